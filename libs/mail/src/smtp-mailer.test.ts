import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { isParleyError, silentLogger } from '@parley/core';
import { createSmtpMailer } from './smtp-mailer.js';

// Sending to a real SMTP server (Mailpit) is tested in @parley/test-infra's mailpit.test.ts.

test('a server that accepts but never greets fails the send after the timeout', async (t) => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };
  const send = createSmtpMailer({
    url: `smtp://127.0.0.1:${port}`,
    from: 'no-reply@parley.test',
    logger: silentLogger,
    timeoutMs: 300,
  });
  const started = Date.now();
  await assert.rejects(
    send({ to: 'alice@example.com', subject: 's', text: 't' }),
    (e) =>
      isParleyError(e, 'unavailable') &&
      e.message.startsWith('Could not send email: ') &&
      e.cause instanceof Error,
  );
  assert.ok(
    Date.now() - started < 5_000,
    'bounded by the timeout, not by nodemailer defaults (30 s greeting)',
  );
  assert.equal(sockets.size, 1, 'it did connect');
});

test('a url that is not smtp:// or smtps:// is refused at construction', () => {
  assert.throws(
    () =>
      createSmtpMailer({
        url: 'http://mail.example.com',
        from: 'no-reply@parley.test',
        logger: silentLogger,
      }),
    (e) => isParleyError(e, 'config'),
  );
});
