import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ERROR_CODES } from '@parley/core';
import { HTTP_ERROR_CODES } from '@parley/protocol';
import { OPENAPI_PATH, REGENERATE_COMMAND, withGeneratedSchemas } from './write-openapi-schemas.js';
import { HTTP_STATUS } from './http-errors.js';

test('docs/openapi.yaml components/schemas are the ones generated from the TypeBox declarations', async () => {
  const committed = await readFile(OPENAPI_PATH, 'utf8');
  assert.ok(committed === withGeneratedSchemas(committed), `docs/openapi.yaml components/schemas differ from libs/protocol/src/http; regenerate with: ${REGENERATE_COMMAND}`);
});

test('the HTTP error codes are core ERROR_CODES plus the edge-only ones, each with a 4xx/5xx status', () => {
  for (const code of ERROR_CODES) assert.ok((HTTP_ERROR_CODES as readonly string[]).includes(code), `${code} missing from HTTP_ERROR_CODES`);
  assert.deepEqual(Object.keys(HTTP_STATUS).sort(), [...HTTP_ERROR_CODES].sort());
  for (const status of Object.values(HTTP_STATUS)) assert.ok(status >= 400 && status < 600);
});
