import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isParleyError } from '@parley/core';
import { TokenService, createAuthenticator } from './token-service.js';
import { PasswordHasher } from './password-hasher.js';

test('a token carries its user and expires', async () => {
  const tokens = new TokenService({ secret: randomBytes(32), ttlSeconds: 60 });
  const { token, claims } = await tokens.issue({ id: 'u1', username: 'alice', loginId: 'l1' });
  const verified = await tokens.verify(token);
  assert.deepEqual(verified, claims);
  assert.ok(claims.expiresAt > Date.now() + 50_000);
  const expired = new TokenService({ secret: randomBytes(32), ttlSeconds: -10 });
  const old = await expired.issue({ id: 'u1', username: 'alice', loginId: 'l1' });
  await assert.rejects(expired.verify(old.token), (e) => isParleyError(e, 'token_expired'));
});

test('tampered, foreign and revoked tokens are refused', async () => {
  const tokens = new TokenService({ secret: randomBytes(32), ttlSeconds: 60 });
  const other = new TokenService({ secret: randomBytes(32), ttlSeconds: 60 });
  const { token, claims } = await tokens.issue({ id: 'u1', username: 'alice', loginId: 'l1' });
  const [h, , s] = token.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', name: 'admin', jti: 'x', exp: 9e9, iss: 'parley' })).toString('base64url')}.${s}`;
  await assert.rejects(tokens.verify(forged), (e) => isParleyError(e, 'invalid_token'));
  await assert.rejects(other.verify(token), (e) => isParleyError(e, 'invalid_token'));
  await assert.rejects(tokens.verify('garbage'), (e) => isParleyError(e, 'invalid_token'));
  const revoked = new Set([claims.tokenId]);
  const authenticate = createAuthenticator(tokens, async (id) => revoked.has(id));
  await assert.rejects(authenticate(token), (e) => isParleyError(e, 'token_revoked'));
  assert.throws(() => new TokenService({ secret: randomBytes(8), ttlSeconds: 1 }), /at least 32 bytes/);
});

test('passwords hash with argon2id and verify only with the right password', async () => {
  const hasher = new PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
  const hash = await hasher.hash('correct horse');
  assert.match(hash, /^\$argon2id\$/);
  assert.equal(await hasher.verify(hash, 'correct horse'), true);
  assert.equal(await hasher.verify(hash, 'wrong'), false);
  assert.equal(await hasher.verify('not-a-hash', 'x'), false);
});

test('a token names its login; a token from before profiles (no lid claim) is its own login', async () => {
  const secret = randomBytes(32);
  const tokens = new TokenService({ secret, ttlSeconds: 60 });
  const { token } = await tokens.issue({ id: 'u1', username: 'alice', loginId: 'l9' });
  assert.equal((await tokens.verify(token)).loginId, 'l9');
  const { SignJWT } = await import('jose');
  const legacy = await new SignJWT({ name: 'bob' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u2').setJti('t').setIssuer('parley').setExpirationTime('1m').sign(secret);
  assert.equal((await tokens.verify(legacy)).loginId, 'u2');
});
