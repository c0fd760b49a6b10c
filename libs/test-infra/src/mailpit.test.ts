import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isParleyError, silentLogger } from '@parley/core';
import { createSmtpMailer } from '@parley/mail';
import { freePort, startMailpit } from './index.js';

test('a mail sent with the SMTP mailer reaches Mailpit, and waitForMail finds it by recipient', async (t) => {
  const mailpit = await startMailpit();
  t.after(() => mailpit.stop());
  const send = createSmtpMailer({
    url: mailpit.smtpUrl,
    from: 'Parley <no-reply@parley.test>',
    logger: silentLogger,
  });
  const alice = `alice-${randomUUID()}@example.com`;
  const text = 'Open this link to reset your password:\nhttps://parley.test/reset?token=abc\n\nÜnïcode ✓';
  await send({ to: alice, subject: 'Reset your Parley password ✓', text });
  await send({ to: 'bob@example.com', subject: 'Not for Alice', text: 'hello bob' });

  assert.deepEqual(await mailpit.waitForMail(alice.toUpperCase()), {
    subject: 'Reset your Parley password ✓',
    text,
  });
  const messages = await mailpit.messages();
  assert.deepEqual(
    messages.map(({ to, subject }) => ({ to, subject })).sort((a, b) => a.subject.localeCompare(b.subject)),
    [
      { to: ['bob@example.com'], subject: 'Not for Alice' },
      { to: [alice], subject: 'Reset your Parley password ✓' },
    ],
  );
  assert.equal(messages.find((m) => m.subject === 'Not for Alice')?.text, 'hello bob');
  await assert.rejects(mailpit.waitForMail('carol@example.com', 300), /no mail to carol@example.com/);
});

test('sending to an SMTP server that is not there rejects with unavailable', async () => {
  const port = await freePort();
  const send = createSmtpMailer({
    url: `smtp://user:secret@127.0.0.1:${port}`,
    from: 'no-reply@parley.test',
    logger: silentLogger,
  });
  await assert.rejects(send({ to: 'alice@example.com', subject: 's', text: 't' }), (e) => {
    assert.ok(isParleyError(e, 'unavailable'), `expected ParleyError unavailable, got ${String(e)}`);
    assert.match(e.message, /^Could not send email: .*ECONNREFUSED/);
    assert.doesNotMatch(e.message, /secret/, 'the password stays out of the message');
    return true;
  });
});
