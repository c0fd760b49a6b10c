#!/usr/bin/env node
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GENERATED_MARKER, HTTP_SCHEMAS, openapiSchemasYaml } from '@parley/protocol';

/** docs/openapi.yaml, from this file's place in apps/query/{src,dist}/http. */
export const OPENAPI_PATH = fileURLToPath(new URL('../../../../docs/openapi.yaml', import.meta.url));
export const REGENERATE_COMMAND = 'cd apps/query && npx tsc -b && node dist/http/write-openapi-schemas.js';

/** The spec with its `components/schemas` section (from GENERATED_MARKER to the end) regenerated. */
export function withGeneratedSchemas(spec: string): string {
  const at = spec.indexOf(GENERATED_MARKER);
  if (at < 0) throw new Error(`docs/openapi.yaml has no line "${GENERATED_MARKER}" to generate below`);
  return spec.slice(0, at) + openapiSchemasYaml(HTTP_SCHEMAS);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const spec = await readFile(OPENAPI_PATH, 'utf8');
  await writeFile(OPENAPI_PATH, withGeneratedSchemas(spec));
  process.stdout.write(`wrote components/schemas of ${OPENAPI_PATH}\n`);
}
