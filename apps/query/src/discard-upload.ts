import type { BlobStore } from '@parley/core';
import type { UploadRepository, UploadRow } from '@parley/store';

/** The blobs an upload holds: its chunks while open; its file and thumbnail once complete. */
export function blobsOf(upload: UploadRow): string[] {
  const held = upload.state === 'open' ? upload.parts.map((p) => p.sha256) : [upload.attachment?.id, upload.attachment?.thumbnail?.id];
  return [...new Set(held.filter((b): b is string => b !== undefined))];
}

/**
 * Deletes those of `blobs` nothing but upload `except` needs (UploadRepository.blobInUse: a message, another
 * upload's chunk or attachment); answers how many went. Content addressing makes a blob shared by every
 * upload of the same bytes, hence the check per blob.
 */
export async function deleteUnusedBlobs(deps: { uploads: UploadRepository; blobs: BlobStore }, blobs: Iterable<string>, except?: string): Promise<number> {
  let deleted = 0;
  for (const blob of new Set(blobs)) {
    if (await deps.uploads.blobInUse(blob, except)) continue;
    await deps.blobs.delete(blob);
    deleted += 1;
  }
  return deleted;
}

/**
 * Forgets `upload` and deletes its blobs that nothing else needs; answers how many blobs went. Blobs
 * first, the row last: a crash in between leaves a row whose blobs are partly gone, which the next
 * attempt (or the sweeper) finishes, never blobs that no row names any more.
 */
export async function discardUpload(deps: { uploads: UploadRepository; blobs: BlobStore }, upload: UploadRow): Promise<number> {
  const deleted = await deleteUnusedBlobs(deps, blobsOf(upload), upload.id);
  await deps.uploads.delete(upload.id);
  return deleted;
}
