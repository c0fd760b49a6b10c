import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ERROR_CODES } from '@parley/core';
import { OPENAPI_PATH, REGENERATE_COMMAND, withGeneratedSchemas } from './write-openapi-schemas.js';
import { HTTP_STATUS } from './http-errors.js';

test('docs/openapi.yaml components/schemas are the ones generated from the TypeBox declarations', async () => {
  const committed = await readFile(OPENAPI_PATH, 'utf8');
  assert.ok(committed === withGeneratedSchemas(committed), `docs/openapi.yaml components/schemas differ from libs/protocol/src/http; regenerate with: ${REGENERATE_COMMAND}`);
});

test('every error code has an HTTP status, a 4xx or 5xx', () => {
  assert.deepEqual(Object.keys(HTTP_STATUS).sort(), [...ERROR_CODES].sort());
  for (const status of Object.values(HTTP_STATUS)) assert.ok(status >= 400 && status < 600);
});
