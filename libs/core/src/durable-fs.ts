import { open, type FileHandle } from 'node:fs/promises';
import { writeSync } from 'node:fs';

/**
 * Writes all of `bytes` (a write may take fewer bytes than it was given): at `position` in the file, or at
 * the file's current position when it is absent.
 */
export async function writeAll(file: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    done += (await file.write(bytes, done, bytes.byteLength - done, position === undefined ? null : position + done)).bytesWritten;
  }
}

/** `writeAll` for a file descriptor, synchronously, at `position`. */
export function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
}

/**
 * Fsyncs a directory, so that the entries created or renamed in it survive a power loss (POSIX makes a
 * rename durable only once its directory is synced, not the file).
 */
export async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
