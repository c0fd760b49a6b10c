import type { TSchema } from '@sinclair/typebox';

/** The line in docs/openapi.yaml after which everything is generated: the `components/schemas` section. */
export const GENERATED_MARKER = '  # Generated from libs/protocol/src/http (HTTP_SCHEMAS) by `node apps/query/dist/http/write-openapi-schemas.js`; do not edit below.';

/**
 * The `components/schemas` section of docs/openapi.yaml as YAML text (indented for its place under
 * `components:`), from the TypeBox declarations. A schema nested in another that is itself one of
 * `schemas` (the same object) becomes a `$ref` to it. Output is deterministic: the drift test compares text.
 */
export function openapiSchemasYaml(schemas: Readonly<Record<string, TSchema>>): string {
  const names = new Map<unknown, string>(Object.entries(schemas).map(([name, schema]) => [schema, name]));
  const lines = [GENERATED_MARKER, '  schemas:'];
  for (const [name, schema] of Object.entries(schemas)) {
    lines.push(`    ${name}:`);
    emit(plain(schema, names, true), 3, lines);
  }
  return `${lines.join('\n')}\n`;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** The JSON value of a schema (TypeBox's symbol keys dropped), with named sub-schemas replaced by $refs. */
function plain(value: unknown, names: Map<unknown, string>, root = false): Json {
  const ref = root ? undefined : names.get(value);
  if (ref) return { $ref: `#/components/schemas/${ref}` };
  if (Array.isArray(value)) return value.map((v) => plain(v, names));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v, names);
    return out;
  }
  return value as Json;
}

function emit(value: Json, depth: number, lines: string[]): void {
  const pad = '  '.repeat(depth);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isScalar(item) || isEmpty(item)) lines.push(`${pad}- ${scalar(item)}`);
      else {
        const sub: string[] = [];
        emit(item, depth + 1, sub);
        lines.push(`${pad}- ${sub[0]!.trimStart()}`, ...sub.slice(1));
      }
    }
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, Json>)) {
    const key = /^[$A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : scalar(k);
    if (isScalar(v) || isEmpty(v)) lines.push(`${pad}${key}: ${scalar(v)}`);
    else if (Array.isArray(v) && v.every(isScalar)) lines.push(`${pad}${key}: [${v.map(scalar).join(', ')}]`);
    else {
      lines.push(`${pad}${key}:`);
      emit(v, depth + 1, lines);
    }
  }
}

function isScalar(v: Json): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

function isEmpty(v: Json): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** A YAML scalar: plain when unambiguous, single-quoted for printable ASCII, JSON (double-quoted) otherwise. */
function scalar(v: Json): string {
  if (Array.isArray(v)) return '[]';
  if (v !== null && typeof v === 'object') return '{}';
  if (typeof v !== 'string') return String(v);
  if (/^[A-Za-z][A-Za-z0-9 _.()/-]*[A-Za-z0-9.)]$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v)) return v;
  if (/^[\x20-\x7e]*$/.test(v)) return `'${v.replaceAll("'", "''")}'`;
  return JSON.stringify(v);
}
