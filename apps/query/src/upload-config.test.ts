import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isParleyError } from '@parley/core';
import { readUploadLimits } from './upload-config.js';

test('readUploadLimits: the defaults', () => {
  assert.deepEqual(readUploadLimits({}), {
    maxBytes: { image: 20 * 2 ** 20, voice: 20 * 2 ** 20, video: 200 * 2 ** 20, file: 100 * 2 ** 20 },
    quotaBytes: 2 * 2 ** 30,
    chunkBytes: 4 * 2 ** 20,
    ttlSeconds: 86_400,
    urlTtlSeconds: 300,
    sweepSeconds: 600,
  });
  assert.ok(Object.isFrozen(readUploadLimits({}).maxBytes));
});

test('readUploadLimits reads every variable', () => {
  const limits = readUploadLimits({
    PARLEY_UPLOAD_MAX_IMAGE_BYTES: '1000',
    PARLEY_UPLOAD_MAX_VOICE_BYTES: '2000',
    PARLEY_UPLOAD_MAX_VIDEO_BYTES: '3000',
    PARLEY_UPLOAD_MAX_FILE_BYTES: '4000',
    PARLEY_UPLOAD_QUOTA_BYTES: '5000',
    PARLEY_UPLOAD_CHUNK_BYTES: '65536',
    PARLEY_UPLOAD_TTL_SECONDS: '3600',
    PARLEY_ATTACHMENT_URL_TTL_SECONDS: '60',
    PARLEY_UPLOAD_SWEEP_SECONDS: '30',
  });
  assert.deepEqual(limits, { maxBytes: { image: 1000, voice: 2000, video: 3000, file: 4000 }, quotaBytes: 5000, chunkBytes: 65536, ttlSeconds: 3600, urlTtlSeconds: 60, sweepSeconds: 30 });
});

test('readUploadLimits: a bad value fails naming its variable and its range', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['PARLEY_UPLOAD_MAX_IMAGE_BYTES', '0', /between 1 and/],
    ['PARLEY_UPLOAD_CHUNK_BYTES', '1024', /between 65536 and/],
    ['PARLEY_UPLOAD_TTL_SECONDS', 'a day', /must be an integer/],
    ['PARLEY_ATTACHMENT_URL_TTL_SECONDS', '0', /between 1 and/],
    ['PARLEY_UPLOAD_SWEEP_SECONDS', '-1', /between 1 and/],
  ];
  for (const [name, value, why] of cases) {
    assert.throws(
      () => readUploadLimits({ [name]: value }),
      (e) => isParleyError(e, 'config') && e.message.includes(name) && why.test(e.message) && e.details?.['variable'] === name,
      name,
    );
  }
});
