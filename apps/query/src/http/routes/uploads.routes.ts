import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import { monotonicFactory } from 'ulid';
import { ParleyError, isParleyError, isSha256 } from '@parley/core';
import {
  Attachment,
  AttachmentUrlQuery,
  UploadCreateBody,
  UploadId,
  compile,
  isAttachmentKind,
  type Attachment as AttachmentValue,
  type AttachmentUrlView,
  type UploadCompleted,
  type UploadView,
} from '@parley/protocol';
import type { UploadRow } from '@parley/store';
import { validBody, validQuery } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import { errorBody } from '../http-errors.js';
import { parseRange } from '../byte-range.js';
import { completeUpload } from '../../complete-upload.js';
import { deleteUnusedBlobs, discardUpload } from '../../discard-upload.js';
import { conversationParam, pathId, seqParam, type RouteKit } from './route-kit.js';

const check = {
  create: compile(UploadCreateBody),
  id: compile(UploadId),
  urlQuery: compile(AttachmentUrlQuery),
  attachment: compile(Attachment),
};

const newId = monotonicFactory();

/**
 * Attachments over HTTP (docs/openapi.yaml, tag "uploads"; docs/PROTOCOL.md "Attachments"): chunked,
 * resumable uploads into the blob store, their completion into an attachment and a signed `ref`, and
 * short-lived signed download URLs served with Range.
 *
 * A chunk streams from the socket into its own blob (`BlobStore.put`, limited while it streams) and is
 * recorded as a part of its upload only once that blob is durable, by compare-and-set on the offset: a
 * chunk cut short, refused or beaten by another leaves no part, so the upload's offset is always where a
 * client resumes. Nothing here holds a chunk or a file in memory but an image being thumbnailed.
 */
export function uploadRoutes(kit: RouteKit, json: express.RequestHandler[]): express.Router {
  const { deps, requireAuth, claims } = kit;
  const router = express.Router();
  // Read per request, not when the app is built (the other routes' tests build it without upload limits).
  const limits = () => deps.limits.uploads;
  const ttlMs = () => limits().ttlSeconds * 1000;
  const me = (res: Response): string => claims(res).userId;

  const view = (u: UploadRow): UploadView => ({
    id: u.id,
    kind: u.kind,
    name: u.name,
    size: u.size,
    offset: u.received,
    chunkBytes: limits().chunkBytes,
    complete: u.state === 'complete',
    expiresAt: u.updatedAt + ttlMs(),
  });
  /** The caller's upload `{id}`: another's, or one past its time (the sweeper's, even if not yet swept), is 404. */
  const owned = async (req: Request, res: Response): Promise<UploadRow> => {
    const id = pathId(check.id, req.params['id'], 'an upload id');
    const upload = await deps.uploads.get(id);
    if (!upload || upload.userId !== me(res) || (upload.state === 'open' && upload.updatedAt + ttlMs() <= Date.now())) {
      throw new ParleyError('not_found', 'No such upload (or it expired); start a new one with POST /v1/uploads');
    }
    return upload;
  };
  /**
   * The answer of a completion: the attachment and a ref that lives half the upload TTL. Completing
   * touches the upload, so the sweeper keeps it the whole TTL from now: a ref never outlives its files.
   */
  const completed = (upload: string, attachment: AttachmentValue, res: Response, now: number): UploadCompleted => {
    const refExpiresAt = now + ttlMs() / 2;
    return { attachment, ref: deps.attachments.signRef(attachment, me(res), refExpiresAt, upload), refExpiresAt };
  };

  router
    .route('/uploads')
    .post(requireAuth, ...json, async (req, res) => {
      const { kind, name, size, mime } = validBody(check.create, req.body);
      // The quota first: a file that fits no quota is refused for it, whatever its kind's limit.
      const used = await deps.uploads.usage(me(res));
      if (used + size > limits().quotaBytes) {
        throw new ParleyError('quota_exceeded', `That would take your uploads past ${limits().quotaBytes} bytes (you hold ${used}); delete unsent uploads or wait for them to expire`, { details: { limit: limits().quotaBytes, used } });
      }
      const limit = limits().maxBytes[kind];
      if (size > limit) throw new ParleyError('payload_too_large', `A ${kind} may be at most ${limit} bytes`, { details: { field: 'size', limit } });
      const id = `up_${newId()}`;
      const now = Date.now();
      await deps.uploads.create({ id, userId: me(res), kind, name, size, ...(mime === undefined ? {} : { mimeClaimed: mime }), createdAt: now });
      const created = await deps.uploads.get(id);
      if (!created) throw new ParleyError('internal', `Upload ${id} was not stored`);
      res.status(201).json(view(created));
    })
    .all(methodNotAllowed);

  router
    .route('/uploads/:id')
    .get(requireAuth, async (req, res) => {
      res.json(view(await owned(req, res)));
    })
    .put(requireAuth, async (req, res) => {
      try {
        res.json(view(await receiveChunk(req, res)));
      } catch (error) {
        // The rest of a refused body is not read: the connection closes once the answer is sent.
        if (!req.complete) res.set('Connection', 'close');
        throw error;
      }
    })
    .delete(requireAuth, async (req, res) => {
      const upload = await owned(req, res);
      // A sent file stays while a message of the uploader's uses it, and so does the row that counts it against their quota.
      if (upload.attachment && (await deps.uploads.inMessagesOf(upload.attachment.id, upload.userId))) {
        throw new ParleyError('conflict', 'A message of yours uses this file; recall the message, and the file goes at the next sweep');
      }
      await discardUpload(deps, upload);
      res.status(204).end();
    })
    .all(methodNotAllowed);

  async function receiveChunk(req: Request, res: Response): Promise<UploadRow> {
    const upload = await owned(req, res);
    const offset = offsetOf(req);
    if (upload.state === 'complete') throw new ParleyError('conflict', 'The upload is complete; it takes no more bytes');
    if (offset !== upload.received) throw offsetMismatch(upload.received);
    const max = Math.min(limits().chunkBytes, upload.size - offset);
    const type = req.is('application/octet-stream');
    if (type === null || req.get('content-length') === '0') throw new ParleyError('bad_request', 'A chunk carries at least one byte');
    if (type === false) throw new ParleyError('unsupported_media_type', 'Send a chunk as Content-Type: application/octet-stream');
    if ((req.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity') throw new ParleyError('unsupported_media_type', 'Send a chunk without Content-Encoding');
    const tooLarge = () => new ParleyError('payload_too_large', `This chunk may be at most ${max} bytes (chunkBytes ${limits().chunkBytes}, ${upload.size - offset} left of the file)`, { details: { limit: max } });
    // Every byte is there (max 0), or the declared length says the chunk is too long: refused unread.
    if (max < 1 || Number(req.get('content-length') ?? 0) > max) throw tooLarge();
    const part = await deps.blobs.put(bodyOf(req), { maxBytes: max }).catch((error: unknown) => {
      throw isParleyError(error, 'payload_too_large') ? tooLarge() : error;
    });
    const appended = await deps.uploads.appendPart(upload.id, offset, part, Date.now());
    if (appended) return appended;
    // Another request got there first (or the upload went): this chunk's blob is not a part.
    await deleteUnusedBlobs(deps, [part.sha256]);
    const now = await deps.uploads.get(upload.id);
    if (!now) throw new ParleyError('not_found', 'No such upload (or it expired); start a new one with POST /v1/uploads');
    if (now.state === 'complete') throw new ParleyError('conflict', 'The upload is complete; it takes no more bytes');
    throw offsetMismatch(now.received);
  }

  router
    .route('/uploads/:id/complete')
    .post(requireAuth, async (req, res) => {
      const upload = await owned(req, res);
      const now = Date.now();
      if (upload.state === 'complete' && upload.attachment) {
        await deps.uploads.complete(upload.id, upload.attachment, now);
        return void res.status(201).json(completed(upload.id, upload.attachment, res, now));
      }
      if (upload.received < upload.size) {
        throw new ParleyError('upload_incomplete', `The server holds ${upload.received} of the ${upload.size} bytes; send the rest from offset ${upload.received}`, { details: { offset: upload.received, size: upload.size } });
      }
      const attachment = await completeUpload(deps, upload, now).catch(async (error: unknown) => {
        // Completed by a request at the same time, which took the parts this one was reading: its answer holds.
        const meanwhile = isParleyError(error, 'not_found') ? (await deps.uploads.get(upload.id))?.attachment : undefined;
        if (!meanwhile) throw error;
        return meanwhile;
      });
      res.status(201).json(completed(upload.id, attachment, res, now));
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/messages/:seq/attachment')
    .get(requireAuth, async (req, res) => {
      const conversation = conversationParam(req.params['id']);
      const seq = seqParam(req.params['seq']);
      const { variant = 'original' } = validQuery(check.urlQuery, req.query);
      // As GET .../messages/{seq}: a former member reads up to their departure.
      const until = await deps.groups.readableUntil(conversation, me(res));
      if (until === undefined) throw new ParleyError('not_member', 'You are not a member of this conversation');
      const message = await deps.messages.one(conversation, seq, until);
      if (!message) throw new ParleyError('not_found', 'No such message');
      if (message.recalled) throw new ParleyError('recalled', 'That message was recalled');
      const attachment = attachmentOf(message);
      if (!attachment) throw new ParleyError('not_found', 'That message carries no file');
      const blob = variant === 'thumbnail' ? attachment.thumbnail?.id : attachment.id;
      if (blob === undefined) throw new ParleyError('not_found', 'That file has no thumbnail', { details: { field: 'variant' } });
      const query = deps.attachments.signUrl({ blob, conversation, seq, userId: me(res), variant, expiresAtMs: Date.now() + limits().urlTtlSeconds * 1000 });
      // The URL carries its expiry in whole seconds; this says the same moment.
      const expiresAt = Number(new URLSearchParams(query).get('e')) * 1000;
      const answer: AttachmentUrlView = { url: `/v1/files/${blob}?${query}`, expiresAt };
      res.json(answer);
    })
    .all(methodNotAllowed);

  router
    .route('/files/:blob')
    .get(async (req, res) => {
      const blob = String(req.params['blob']);
      if (!isSha256(blob)) throw new ParleyError('bad_request', 'A file is named by its SHA-256: 64 lowercase hex digits', { details: { field: 'blob' } });
      const now = Date.now();
      const grant = deps.attachments.verifyUrl(blob, req.query as Record<string, unknown>, now);
      // Checked again at every request: the URL is a grant of the moment it was made, not a key.
      const until = await deps.groups.readableUntil(grant.conversation, grant.userId);
      const message = until === undefined ? undefined : await deps.messages.one(grant.conversation, grant.seq, until);
      const attachment = message && !message.recalled ? attachmentOf(message) : undefined;
      const served = attachment && (grant.variant === 'thumbnail' ? attachment.thumbnail : attachment);
      if (!attachment || !served || served.id !== blob) throw new ParleyError('not_found', 'No such file (or you may no longer read its message)');
      const size = served.size;
      const etag = `"${blob}"`;
      // A blob never changes, so its name is a strong validator: a client holding it gets 304, and a Range
      // under an If-Range for something else gets the whole file (RFC 9110, 13.1.2 and 13.1.5).
      const ifNoneMatch = req.get('if-none-match');
      if (ifNoneMatch !== undefined && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) {
        res.set({ ETag: etag, 'Cache-Control': `private, max-age=${Math.max(0, Math.floor((grant.expiresAtMs - now) / 1000))}` });
        return void res.status(304).end();
      }
      const ifRange = req.get('if-range');
      const range = ifRange !== undefined && ifRange.trim() !== etag ? undefined : parseRange(req.get('range'), size);
      res.set({ 'Accept-Ranges': 'bytes', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'; sandbox" });
      if (range === 'unsatisfiable') {
        res.set('Content-Range', `bytes */${size}`);
        return void res.status(416).json(errorBody('bad_request', `The Range is not one range within the file's ${size} bytes`));
      }
      // Opened before any header of the file is set: a blob gone missing is answered as a plain 404.
      const found = req.method === 'HEAD' ? ((await deps.blobs.size(blob)) === undefined ? undefined : { body: undefined }) : await deps.blobs.get(blob, range);
      if (!found) {
        deps.logger.warn('a message names a file the blob store does not hold', { blob, conversation: grant.conversation, seq: grant.seq });
        throw new ParleyError('not_found', 'No such file');
      }
      const media = grant.variant === 'thumbnail' ? 'image/webp' : attachment.kind === 'file' ? 'application/octet-stream' : attachment.mime;
      res.set({
        ETag: etag,
        'Cache-Control': `private, max-age=${Math.max(0, Math.floor((grant.expiresAtMs - now) / 1000))}`,
        'Content-Type': media,
        'Content-Disposition': `${attachment.kind === 'file' ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeRfc5987(grant.variant === 'thumbnail' ? thumbnailName(attachment.name) : attachment.name)}`,
        'Content-Length': String(range ? range.end - range.start + 1 : size),
      });
      if (range) res.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      res.status(range ? 206 : 200);
      if (!found.body) return void res.end();
      res.flushHeaders();
      // Headers are out: a failure now can only cut the body short (the client sees fewer bytes than promised).
      await pipeline(found.body, res).catch((error: unknown) => {
        // A player seeking or a tab closed ends a download early all the time; anything else is worth a line.
        if (!res.destroyed || (error as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.logger.warn('a file download failed midway', { blob, error });
        res.destroy();
      });
    })
    .all(methodNotAllowed);

  return router;
}

/** A thumbnail's file name: the original's, its extension replaced (`harbour.jpg` -> `harbour.thumbnail.webp`). */
function thumbnailName(name: string): string {
  const dot = name.lastIndexOf('.');
  return `${dot > 0 ? name.slice(0, dot) : name}.thumbnail.webp`;
}

/** The chunk's `offset` query: a whole number of bytes. */
function offsetOf(req: Request): number {
  const raw = req.query['offset'];
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new ParleyError('bad_request', 'Give ?offset=N, where the chunk starts (GET /v1/uploads/{id} says the offset)', { details: { field: 'offset' } });
  }
  return Number(raw);
}

function offsetMismatch(offset: number): ParleyError {
  return new ParleyError('offset_mismatch', `The next chunk starts at offset ${offset}`, { details: { offset } });
}

/**
 * The request body as a blob store reads it. Stopping early (a refused chunk) leaves the socket open for
 * the answer, instead of destroying the request; a client that goes away mid-chunk is a `bad_request`
 * (nothing is stored; its answer reaches no one).
 */
async function* bodyOf(req: Request): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
  } catch (error) {
    throw new ParleyError('bad_request', 'The chunk was cut short; read the offset (GET /v1/uploads/{id}) and send it again', { cause: error });
  }
}

/** The file a stored message of an attachment kind carries; undefined for any other message. */
function attachmentOf(message: { kind: string; body?: unknown }): AttachmentValue | undefined {
  if (!isAttachmentKind(message.kind)) return undefined;
  const value = (message.body as { attachment?: unknown } | undefined)?.attachment;
  return check.attachment.check(value) ? value : undefined;
}

/** A header parameter value's RFC 8187 form: UTF-8, percent-encoded but for attr-chars. */
function encodeRfc5987(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
