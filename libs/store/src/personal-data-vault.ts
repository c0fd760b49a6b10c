import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Sealed } from '@parley/schemas';
import { ParleyError } from '@parley/core';
import type { Database, ParleyDb } from './database.js';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Personal data in the log (password hashes, email addresses) is sealed with a key per login kept here, in
 * `personal_keys`, outside the log. Erasing the key ("crypto-shredding") makes every copy of that data in
 * the log, which is kept forever, unreadable: the only way to forget it without rewriting history.
 *
 * Wire format of a Sealed box (an Avro record in the events, see schemas/event.avsc):
 * - `keyId`: the login id whose key sealed it (and the only key that opens it).
 * - `nonce`: 12 random bytes, the AES-256-GCM IV; fresh for every box, never reused under one key.
 * - `data`: the AES-256-GCM ciphertext of the value's UTF-8 bytes, followed by the 16-byte tag.
 * - additional authenticated data: the UTF-8 bytes of `keyId`, so a box moved to another login, or with
 *   any byte changed, does not open.
 *
 * The vault is not a projection: a replay copies `personal_keys` from the live database before it starts,
 * and never writes a key. Every method takes the connection or transaction to run on, so the projector
 * opens and erases inside its own transaction.
 */
export class PersonalDataVault {
  constructor(
    private readonly db: ParleyDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the login's key unless it has one (idempotent; a key is never replaced). */
  async createKey(loginId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db
      .insertInto('personal_keys')
      .values({ login_id: loginId, key: randomBytes(KEY_BYTES), created_at: this.now() })
      .onConflict((oc) => oc.column('login_id').doNothing())
      .execute();
  }

  /** Seals `value` with the login's key; `not_found` when it has none (never created, or erased). */
  async seal(loginId: string, value: string, db: Kysely<Database> = this.db): Promise<Sealed> {
    const key = await this.key(loginId, db);
    if (!key) throw new ParleyError('not_found', 'The login has no personal-data key');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(loginId, 'utf8'));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { keyId: loginId, nonce: new Uint8Array(nonce), data: new Uint8Array(data) };
  }

  /**
   * The sealed value, or undefined when it cannot be read: the key is gone (erased), the box is another
   * login's, or it does not authenticate (altered, truncated).
   */
  async open(loginId: string, sealed: Sealed, db: Kysely<Database> = this.db): Promise<string | undefined> {
    if (sealed.keyId !== loginId || sealed.nonce.length !== NONCE_BYTES || sealed.data.length < TAG_BYTES) return undefined;
    const key = await this.key(loginId, db);
    if (!key) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(loginId, 'utf8'));
      decipher.setAuthTag(sealed.data.subarray(sealed.data.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(sealed.data.subarray(0, sealed.data.length - TAG_BYTES)), decipher.final()]);
      return text.toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Forgets the login's key for good: everything sealed with it can no longer be opened. Idempotent. */
  async erase(loginId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.deleteFrom('personal_keys').where('login_id', '=', loginId).execute();
  }

  private async key(loginId: string, db: Kysely<Database>): Promise<Buffer | undefined> {
    const row = await db.selectFrom('personal_keys').select('key').where('login_id', '=', loginId).executeTakeFirst();
    return row && Buffer.from(row.key);
  }
}
