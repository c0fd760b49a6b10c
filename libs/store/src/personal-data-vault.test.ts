import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { isParleyError } from '@parley/core';
import { migrateToLatest } from './migrations.js';
import { PersonalDataVault } from './personal-data-vault.js';
import type { Database } from './database.js';

async function vault(): Promise<{ db: Kysely<Database>; vault: PersonalDataVault }> {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
  await migrateToLatest(db as Kysely<unknown>);
  return { db, vault: new PersonalDataVault(db) };
}

describe('PersonalDataVault', () => {
  it('seals and opens a value; every box has its own nonce; createKey never replaces a key', async () => {
    const { db, vault: v } = await vault();
    try {
      await v.createKey('la');
      const box = await v.seal('la', 'Zoë <zoe@example.com> 🎉');
      await v.createKey('la');
      assert.equal(await v.open('la', box), 'Zoë <zoe@example.com> 🎉');
      assert.equal(box.keyId, 'la');
      assert.equal(box.nonce.length, 12);
      assert.equal(box.data.length, Buffer.byteLength('Zoë <zoe@example.com> 🎉') + 16, 'ciphertext || 16-byte tag');
      const again = await v.seal('la', 'Zoë <zoe@example.com> 🎉');
      assert.notDeepEqual(again.nonce, box.nonce);
      assert.notDeepEqual(again.data, box.data);
    } finally {
      await db.destroy();
    }
  });

  it('a box altered in any part, or moved to another login, does not open', async () => {
    const { db, vault: v } = await vault();
    try {
      await v.createKey('la');
      await v.createKey('lb');
      const box = await v.seal('la', 'secret');
      const flip = (bytes: Uint8Array, i: number): Uint8Array => {
        const copy = new Uint8Array(bytes);
        copy[i] = (copy[i] ?? 0) ^ 1;
        return copy;
      };
      assert.equal(await v.open('la', { ...box, data: flip(box.data, 0) }), undefined, 'ciphertext');
      assert.equal(await v.open('la', { ...box, data: flip(box.data, box.data.length - 1) }), undefined, 'tag');
      assert.equal(await v.open('la', { ...box, nonce: flip(box.nonce, 3) }), undefined, 'nonce');
      assert.equal(await v.open('la', { ...box, data: box.data.subarray(0, 10) }), undefined, 'truncated');
      assert.equal(await v.open('lb', box), undefined, "another login's key");
      assert.equal(await v.open('lb', { ...box, keyId: 'lb' }), undefined, 'the login id is authenticated');
      assert.equal(await v.open('la', box), 'secret');
    } finally {
      await db.destroy();
    }
  });

  it('after erase nothing sealed with the key opens, and nothing can be sealed', async () => {
    const { db, vault: v } = await vault();
    try {
      await v.createKey('la');
      const box = await v.seal('la', 'secret');
      await db.transaction().execute((tx) => v.erase('la', tx));
      await v.erase('la');
      assert.equal(await v.open('la', box), undefined);
      await assert.rejects(v.seal('la', 'x'), (e) => isParleyError(e, 'not_found'));
      assert.equal((await db.selectFrom('personal_keys').selectAll().execute()).length, 0);
    } finally {
      await db.destroy();
    }
  });
});
