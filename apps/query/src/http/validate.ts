import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { ParleyError } from '@parley/core';
import { NAME_PATTERN, TEXT_PATTERN, type Checker } from '@parley/protocol';

/**
 * Request bodies and queries are checked against their TypeBox declarations (libs/protocol/src/http) with
 * compile()'s ajv. A failure is a 400 naming the field in `details.field`: `invalid_text` when the value
 * broke the text rule (the TEXT_PATTERN / NAME_PATTERN pattern), `bad_request` otherwise.
 */
export function validBody<T extends TSchema>(checker: Checker<T>, body: unknown): Static<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ParleyError('bad_request', 'The request body must be a JSON object');
  }
  if (!checker.check(body)) throw refusal(checker);
  return body;
}

/**
 * Query values arrive as strings (a repeated key as an array): integer fields are converted when they are
 * all digits, boolean fields when they are `true` or `false` (anything else is left to fail the schema),
 * empty integer and boolean values count as absent, and the
 * declared defaults fill absent fields.
 */
export function validQuery<T extends TObject>(checker: Checker<T>, query: Record<string, unknown>): Static<T> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(checker.schema.properties as Record<string, TSchema>)) {
    let value = query[name];
    if (schema['type'] === 'integer' && typeof value === 'string') value = value === '' ? undefined : /^-?\d{1,20}$/.test(value) ? Number(value) : value;
    if (schema['type'] === 'boolean' && typeof value === 'string') value = value === '' ? undefined : value === 'true' ? true : value === 'false' ? false : value;
    if (value === undefined && schema['default'] !== undefined) value = schema['default'];
    if (value !== undefined) out[name] = value;
  }
  if (!checker.check(out)) throw refusal(checker);
  return out as Static<T>;
}

function refusal(checker: Checker<TSchema>): ParleyError {
  const error = checker.lastError;
  const path = (error?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  // A field the schema does not declare is named as the field at fault.
  const extra = error?.keyword === 'additionalProperties' ? String(error.params['additionalProperty']) : undefined;
  if (extra !== undefined) {
    const field = path ? `${path}.${extra}` : extra;
    return new ParleyError('bad_request', `"${field}" is not a field of this request`, { details: { field } });
  }
  const field = error?.keyword === 'required' ? String(error.params['missingProperty']) : path;
  const pattern = error?.keyword === 'pattern' ? String(error.params['pattern']) : '';
  if (pattern === TEXT_PATTERN || pattern === NAME_PATTERN) {
    const rule = pattern === NAME_PATTERN ? 'control characters, U+0000 or unpaired surrogates' : 'U+0000 or unpaired surrogates';
    return new ParleyError('invalid_text', `"${field}" must not contain ${rule}`, { details: { field } });
  }
  const what = error?.keyword === 'required' ? 'is required' : (error?.message ?? 'is invalid');
  return new ParleyError('bad_request', field ? `"${field}" ${what}` : `The request ${what}`, field ? { details: { field } } : undefined);
}
