import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { ParleyError } from '@parley/core';
import { Attachment, compile, type Attachment as AttachmentValue, type AttachmentVariant } from '@parley/protocol';

/** What a download URL grants: one blob of one message, to one profile, until a time. */
export interface UrlGrant {
  readonly blob: string;
  readonly conversation: string;
  readonly seq: number;
  readonly userId: string;
  readonly variant: AttachmentVariant;
  readonly expiresAtMs: number;
}

const REF_VERSION = 'v1';
const checkAttachment = compile(Attachment);

/**
 * Signs and checks the two things about attachments that leave the server and come back (docs/PROTOCOL.md
 * "Attachments"): the `ref` that completing an upload answers, which a `send` names instead of the file,
 * and the query of a short-lived download URL. Both are HMAC-SHA-256 under a key derived (HKDF) from the
 * token secret, so every gateway and query instance that verifies tokens verifies these too, and neither
 * can be used as the other or as a token.
 *
 * A ref carries the whole description of the file (the server's findings from its bytes), the uploader
 * and an expiry: the gateway puts that description into the message without a database read, and nobody
 * else can send it (forwarding copies a stored message's body instead).
 */
export class AttachmentSigner {
  private readonly refKey: Buffer;
  private readonly urlKey: Buffer;

  constructor(secret: Uint8Array) {
    if (secret.length < 32) throw new ParleyError('config', 'The token secret must be at least 32 bytes');
    this.refKey = Buffer.from(hkdfSync('sha256', secret, 'parley', 'attachment refs v1', 32));
    this.urlKey = Buffer.from(hkdfSync('sha256', secret, 'parley', 'attachment urls v1', 32));
  }

  /**
   * `v1.<payload>.<signature>`, base64url: the attachment, its uploader, when the ref stops working, and the
   * upload it came from (so that a send can check the upload was not deleted since).
   */
  signRef(attachment: AttachmentValue, userId: string, expiresAtMs: number, upload?: string): string {
    const payload = Buffer.from(JSON.stringify({ a: attachment, u: userId, e: expiresAtMs, ...(upload === undefined ? {} : { p: upload }) })).toString('base64url');
    return `${REF_VERSION}.${payload}.${this.mac(this.refKey, `${REF_VERSION}.${payload}`)}`;
  }

  /**
   * The attachment a ref names, when it is intact, unexpired and was issued to `userId`; otherwise
   * ParleyError('invalid_attachment') saying which.
   */
  verifyRef(ref: string, userId: string, nowMs: number): AttachmentValue {
    return this.openRef(ref, userId, nowMs).attachment;
  }

  /** {@link verifyRef}, and the id of the upload the ref came from (undefined for a ref signed without one). */
  openRef(ref: string, userId: string, nowMs: number): { attachment: AttachmentValue; upload: string | undefined } {
    const parts = typeof ref === 'string' ? ref.split('.') : [];
    const [version, payload, signature] = parts;
    if (parts.length !== 3 || version !== REF_VERSION || !payload || !signature || !this.same(signature, this.mac(this.refKey, `${version}.${payload}`))) {
      throw new ParleyError('invalid_attachment', 'The attachment ref is not one this server issued (altered or cut); upload the file again');
    }
    let claims: { a?: unknown; u?: unknown; e?: unknown; p?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      throw new ParleyError('invalid_attachment', 'The attachment ref does not parse; upload the file again');
    }
    if (claims.u !== userId) throw new ParleyError('invalid_attachment', 'That attachment was uploaded by someone else; only its uploader can send it (forward a message to share one)');
    if (typeof claims.e !== 'number' || claims.e <= nowMs) throw new ParleyError('invalid_attachment', 'The attachment ref has expired; complete the upload again (POST /v1/uploads/{id}/complete) for a fresh ref');
    if (!checkAttachment.check(claims.a)) throw new ParleyError('invalid_attachment', 'The attachment ref does not describe a file');
    return { attachment: claims.a, upload: typeof claims.p === 'string' ? claims.p : undefined };
  }

  /** The query string (without `?`) of a download URL for `grant.blob`: c, s, u, v, e and sig. */
  signUrl(grant: UrlGrant): string {
    const e = Math.floor(grant.expiresAtMs / 1000);
    const v = grant.variant === 'thumbnail' ? 't' : 'o';
    const sig = this.mac(this.urlKey, urlMessage(grant.blob, grant.conversation, String(grant.seq), grant.userId, v, String(e)));
    return new URLSearchParams({ c: grant.conversation, s: String(grant.seq), u: grant.userId, v, e: String(e), sig }).toString();
  }

  /**
   * The grant of a download URL for `blob` with query `query`: ParleyError('invalid_signature') when any
   * part is missing or altered, ParleyError('url_expired') once its time has passed (checked after the
   * signature, so an expiry cannot be forged longer).
   */
  verifyUrl(blob: string, query: Record<string, unknown>, nowMs: number): UrlGrant {
    const field = (name: string): string => {
      const value = query[name];
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw new ParleyError('invalid_signature', `The download URL lacks "${name}"; ask for a new one (GET /v1/conversations/{id}/messages/{seq}/attachment)`);
      return value;
    };
    const [c, s, u, v, e, sig] = ['c', 's', 'u', 'v', 'e', 'sig'].map(field) as [string, string, string, string, string, string];
    if (!this.same(sig, this.mac(this.urlKey, urlMessage(blob, c, s, u, v, e))) || !/^[1-9][0-9]{0,15}$/.test(s) || !/^[0-9]{1,15}$/.test(e) || (v !== 'o' && v !== 't')) {
      throw new ParleyError('invalid_signature', 'The download URL was altered; ask for a new one (GET /v1/conversations/{id}/messages/{seq}/attachment)');
    }
    const expiresAtMs = Number(e) * 1000;
    if (expiresAtMs <= nowMs) throw new ParleyError('url_expired', 'The download URL has expired; ask for a new one (GET /v1/conversations/{id}/messages/{seq}/attachment)');
    return { blob, conversation: c, seq: Number(s), userId: u, variant: v === 't' ? 'thumbnail' : 'original', expiresAtMs };
  }

  private mac(key: Buffer, message: string): string {
    return createHmac('sha256', key).update(message).digest('base64url');
  }

  private same(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }
}

/** Fields joined by a byte no field can hold (ids, digits and letters only), so no two grants sign alike. */
function urlMessage(...fields: string[]): string {
  return fields.join('\n');
}
