import { ParleyError, isParleyError, type BlobStore } from '@parley/core';
import { DETECT_HEAD_BYTES, detectType, imageInfo, kindAccepts, mediaInfo, mimeForKind } from '@parley/media';
import type { Attachment } from '@parley/protocol';
import type { UploadPart, UploadRepository, UploadRow } from '@parley/store';
import { deleteUnusedBlobs, discardUpload } from './discard-upload.js';

export interface CompleteUploadDeps {
  readonly uploads: UploadRepository;
  readonly blobs: BlobStore;
}

/**
 * Makes an open upload whose bytes have all arrived an attachment (POST /v1/uploads/{id}/complete):
 *
 * 1. Its type is read from its first bytes (never its name or claimed mime) and must fit its kind; if not,
 *    the upload and its blobs are deleted and this throws ParleyError('type_mismatch').
 * 2. Its parts are streamed, in order, into one blob (one part is that blob already): the file's id.
 * 3. An image is decoded for its displayed size and a WebP thumbnail (its own blob); an image that does
 *    not decode is a type_mismatch as in 1. A recording's duration (and a video's size) is read where its
 *    format says it.
 * 4. The upload is recorded complete, then the part blobs nothing else needs are deleted: after the
 *    record, so a crash in between leaves blobs to spare, never a record naming deleted ones.
 */
export async function completeUpload(deps: CompleteUploadDeps, upload: UploadRow, now: number): Promise<Attachment> {
  const head = await readHead(deps.blobs, upload.parts);
  const mime = await detectType(head);
  if (!kindAccepts(upload.kind, mime)) {
    await discardUpload(deps, upload);
    throw new ParleyError('type_mismatch', `The file is ${mime}, which is not ${article(upload.kind)}; the upload was deleted`, { details: { mime } });
  }
  const only = upload.parts.length === 1 ? upload.parts[0] : undefined;
  const file = only ?? (await deps.blobs.put(partsBody(deps.blobs, upload.parts), { maxBytes: upload.size }));
  if (file.size !== upload.size) throw new ParleyError('internal', `Upload ${upload.id} holds ${file.size} bytes, not the ${upload.size} declared`);
  let attachment: Attachment = { id: file.sha256, kind: upload.kind, mime: mimeForKind(upload.kind, mime), size: file.size, name: upload.name };
  try {
    if (upload.kind === 'image') {
      const info = await imageInfo(await bytesOf(deps.blobs, file.sha256), { maxBytes: file.size });
      const thumbnail = await deps.blobs.put(once(info.thumbnail.bytes), { maxBytes: info.thumbnail.bytes.byteLength });
      attachment = { ...attachment, width: info.width, height: info.height, thumbnail: { id: thumbnail.sha256, mime: 'image/webp', width: info.thumbnail.width, height: info.thumbnail.height, size: thumbnail.size } };
    } else if (upload.kind === 'voice' || upload.kind === 'video') {
      attachment = { ...attachment, ...(await mediaInfo(await bytesOf(deps.blobs, file.sha256), mime, file.size)) };
    }
  } catch (error) {
    if (isParleyError(error, 'type_mismatch')) {
      await discardUpload(deps, upload);
      await deleteUnusedBlobs(deps, [file.sha256]);
      // Its signature said this type, its bytes did not hold up (cut short, too many pixels): say both.
      throw new ParleyError('type_mismatch', `${error.message}; the upload was deleted`, { details: { mime } });
    }
    throw error;
  }
  await deps.uploads.complete(upload.id, attachment, now);
  // A part may be the file itself (one chunk), or a chunk of another upload of the same bytes.
  await deleteUnusedBlobs(deps, upload.parts.map((p) => p.sha256).filter((b) => b !== file.sha256));
  return attachment;
}

function article(kind: string): string {
  return kind === 'image' ? 'an image Parley reads (JPEG, PNG, GIF, WebP, AVIF, TIFF)' : kind === 'file' ? 'a file' : `a ${kind} recording`;
}

async function bytesOf(blobs: BlobStore, sha256: string): Promise<AsyncIterable<Uint8Array>> {
  const found = await blobs.get(sha256);
  if (!found) throw gone();
  return found.body;
}

/** The first DETECT_HEAD_BYTES of the parts, read across as many as it takes. */
async function readHead(blobs: BlobStore, parts: readonly UploadPart[]): Promise<Uint8Array> {
  const head = new Uint8Array(DETECT_HEAD_BYTES);
  let filled = 0;
  for (const part of parts) {
    if (filled === head.byteLength) break;
    const found = await blobs.get(part.sha256, { start: 0, end: Math.min(part.size, head.byteLength - filled) - 1 });
    if (!found) throw gone();
    for await (const chunk of found.body) {
      const take = chunk.subarray(0, head.byteLength - filled);
      head.set(take, filled);
      filled += take.byteLength;
    }
  }
  return head.subarray(0, filled);
}

/** The parts' bytes in order, one blob after the other. */
async function* partsBody(blobs: BlobStore, parts: readonly UploadPart[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield* await bytesOf(blobs, part.sha256);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A part's blob is missing: the sweeper took the upload while it was being completed. */
function gone(): ParleyError {
  return new ParleyError('not_found', 'The upload has expired and its bytes are gone; upload the file again');
}
