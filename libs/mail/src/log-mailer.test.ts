import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsonLogger } from '@parley/core';
import { createLogMailer } from './log-mailer.js';

test('the log mailer writes the whole mail to the logger at info level', async () => {
  const lines: string[] = [];
  const logger = createJsonLogger({ level: 'info', write: (line) => lines.push(line) });
  const send = createLogMailer(logger);
  await send({
    to: 'alice@example.com',
    subject: 'Reset your password',
    text: 'Open https://parley.test/reset?t=abc',
  });
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(line['level'], 'info');
  assert.equal(line['msg'], 'email not sent: no SMTP configured; here it is');
  assert.equal(line['to'], 'alice@example.com');
  assert.equal(line['subject'], 'Reset your password');
  assert.equal(line['text'], 'Open https://parley.test/reset?t=abc');
});
