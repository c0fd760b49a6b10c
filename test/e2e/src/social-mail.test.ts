import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '@parley/core/conformance';
import { CloseCodes } from '@parley/protocol';
import { startMailpit, type MailpitServer } from '@parley/test-infra';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { newClient } from './clients.js';
import { anotherDevice, closeCodes, http, rejectsWith, signUp, type TestUser } from './social-helpers.js';

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Email verification, password reset and personal data, with the codes mailed through a real SMTP server
 * (Mailpit). Code expiry is not covered here: the shortest lifetime the server takes is 60 s
 * (PARLEY_CODE_TTL_SECONDS), too slow for an end-to-end test; the store's tests cover `code_expired`.
 */
describe('email codes through SMTP, password reset and personal data on a started single node', () => {
  let mailpit: MailpitServer;
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    mailpit = await startMailpit((line) => console.log(line));
    server = await startServer({ env: { PARLEY_SMTP_URL: mailpit.smtpUrl } });
  });
  after(async () => {
    for (const close of closers) close();
    await server?.stop();
    if (server) await removeDataDir(server.dataDir);
    await mailpit?.stop();
  });
  const user = async (prefix: string, password?: string): Promise<TestUser> => {
    const u = await signUp(server.url, prefix, password !== undefined ? { password } : {});
    closers.push(() => u.client.close());
    return u;
  };
  /** The code in the `nth` mail (1-based) that reached `to`, waiting for it to arrive. */
  const nthCode = (to: string, nth: number): Promise<string> =>
    eventually(async () => {
      const mails = (await mailpit.messages())
        .filter((m) => m.to.some((a) => a.toLowerCase() === to.toLowerCase()))
        .reverse();
      assert.ok(mails.length >= nth, `mail ${nth} to ${to} (have ${mails.length})`);
      const mail = mails[nth - 1]!;
      const code = /\b(\d{6})\b/.exec(mail.subject)?.[1];
      assert.ok(code && mail.text.includes(code), `a 6-digit code in "${mail.subject}" and the body`);
      return code;
    });

  it('verifies an email with the mailed code, signs in by it in any case, and resets the password by mail: old password and sessions end, a code works once and dies after 5 wrong guesses', async () => {
    const me = await user('mail', 'first password 1');
    const email = `${me.username}@Example.test`;
    await me.client.requestEmailCode(email);
    const verifyCode = await nthCode(email, 1);
    assert.equal((await me.client.verifyEmail(verifyCode)).email, email);
    assert.equal((await me.client.fetchMe()).login.email, email);

    const byEmail = newClient(server.url);
    closers.push(() => byEmail.close());
    assert.equal(
      (await byEmail.login(email.toUpperCase(), 'first password 1')).user.id,
      me.id,
      'signs in by email, case ignored',
    );
    const old = await anotherDevice(server.url, me, 'old phone');
    closers.push(() => old.client.close());
    const oldCloses = closeCodes(old.client);
    await old.client.connect();

    await newClient(server.url).requestPasswordReset(email.toLowerCase());
    const resetCode = await nthCode(email, 2);
    await newClient(server.url).confirmPasswordReset(me.username, resetCode, 'second password 2');
    await rejectsWith(
      newClient(server.url).login(me.username, 'first password 1'),
      'invalid_credentials',
      401,
    );
    assert.equal((await newClient(server.url).login(me.username, 'second password 2')).user.id, me.id);
    await eventually(() =>
      assert.deepEqual(oldCloses, [CloseCodes.loggedOut], 'the old session is signed out'),
    );
    await rejectsWith(old.client.fetchMe(), 'token_revoked', 401);
    await rejectsWith(me.client.fetchMe(), 'token_revoked', 401);
    await rejectsWith(
      newClient(server.url).confirmPasswordReset(me.username, resetCode, 'third password 3'),
      'invalid_code',
      400,
    );

    await newClient(server.url).requestPasswordReset(me.username);
    const lastCode = await nthCode(email, 3);
    const wrong = String((Number(lastCode) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++)
      await rejectsWith(
        newClient(server.url).confirmPasswordReset(me.username, wrong, 'third password 3'),
        'invalid_code',
        400,
      );
    await rejectsWith(
      newClient(server.url).confirmPasswordReset(me.username, lastCode, 'third password 3'),
      'rate_limited',
      429,
    );
    assert.equal(
      (await newClient(server.url).login(me.username, 'second password 2')).user.id,
      me.id,
      'the password stayed',
    );
  });

  it('the password hash and the verified email are never in clear in the log; deleting the login forgets it', async () => {
    const password = 'a known password 8';
    const me = await user('sealed', password);
    const email = `${me.username}@sealed.example`;
    await me.client.requestEmailCode(email);
    await me.client.verifyEmail(await nthCode(email, 1));
    assert.equal((await me.client.fetchMe()).login.email, email);

    const files = await filesUnder(join(server.dataDir, 'log'));
    assert.ok(files.length > 0, 'the log has files');
    const contents = await Promise.all(
      files.map(async (f) => ({ f, text: (await readFile(f)).toString('latin1') })),
    );
    assert.ok(
      contents.some(({ text }) => text.includes(me.username)),
      'the scan sees what the log holds in clear (the handle)',
    );
    for (const { f, text } of contents) {
      assert.equal(text.includes(email), false, `${f} holds the email address`);
      assert.equal(text.includes('$argon2id$'), false, `${f} holds a password hash`);
      assert.equal(text.includes(password), false, `${f} holds the password`);
    }

    const other = await user('looker');
    assert.deepEqual(
      (await other.client.searchUsers(me.username)).users.map((u) => u.id),
      [me.id],
    );
    assert.equal(
      (await http(server.url, me.token, 'POST', '/v1/auth/delete-login', { password })).status,
      204,
    );
    await rejectsWith(newClient(server.url).login(me.username, password), 'invalid_credentials', 401);
    await rejectsWith(newClient(server.url).login(email, password), 'invalid_credentials', 401);
    await eventually(async () =>
      assert.deepEqual((await other.client.searchUsers(me.username)).users, [], 'no longer listed'),
    );
  });
});
