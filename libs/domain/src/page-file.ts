import { closeSync, mkdirSync, openSync, readSync, unlinkSync } from 'node:fs';
import { writeAllSync as writeAll } from '@parley/core';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Bytes of freed pages that make a compaction worth it (and more than half the file). */
const COMPACT_AT = 16 * 1024 * 1024;

interface Ref {
  offset: number;
  length: number;
}

/**
 * A scratch file of pages: byte strings by key, written and read synchronously (a page is a few KB to a
 * few hundred KB, read from the page cache in well under a millisecond). It holds what a process chose
 * not to keep in memory; it is no source of truth: the file is unlinked as soon as it is opened, so it is
 * gone when the process ends, however it ends. Replaced or taken pages leave holes that a compaction
 * (a copy of the live pages into a new file) reclaims once they are most of the file.
 */
export class PageFile {
  private fd: number;
  private end = 0;
  private freed = 0;
  private readonly refs = new Map<string, Ref>();

  private constructor(private readonly dir: string) {
    this.fd = PageFile.create(dir);
  }

  /** A new, empty page file in `dir` (created if missing). Throws when `dir` cannot hold one. */
  static open(dir: string): PageFile {
    return new PageFile(dir);
  }

  private static create(dir: string): number {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `parley-pages-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
    return fd;
  }

  get size(): number {
    return this.refs.size;
  }

  /** Bytes in the file, live and freed. */
  get fileBytes(): number {
    return this.end;
  }

  has(key: string): boolean {
    return this.refs.has(key);
  }

  keys(): IterableIterator<string> {
    return this.refs.keys();
  }

  /** Stores `bytes` under `key` (replacing what it held). Throws on a write error (a full disk): nothing is stored then. */
  put(key: string, bytes: Uint8Array): void {
    writeAll(this.fd, bytes, this.end);
    const old = this.refs.get(key);
    this.refs.set(key, { offset: this.end, length: bytes.byteLength });
    this.end += bytes.byteLength;
    if (old) this.free(old);
  }

  /** The bytes under `key`, or undefined. */
  read(key: string): Buffer | undefined {
    const ref = this.refs.get(key);
    return ref && this.readRef(ref);
  }

  /** The bytes under `key`, removed from the file, or undefined. */
  take(key: string): Buffer | undefined {
    const bytes = this.read(key);
    if (bytes) this.delete(key);
    return bytes;
  }

  delete(key: string): void {
    const ref = this.refs.get(key);
    if (!ref) return;
    this.refs.delete(key);
    this.free(ref);
  }

  private free(ref: Ref): void {
    this.freed += ref.length;
    if (this.refs.size === 0) {
      // Nothing live: start again at the beginning of the same file.
      this.end = 0;
      this.freed = 0;
    } else if (this.freed >= COMPACT_AT && this.freed * 2 > this.end) this.compact();
  }

  close(): void {
    this.refs.clear();
    try {
      closeSync(this.fd);
    } catch {
      /* closed */
    }
  }

  private readRef(ref: Ref): Buffer {
    const out = Buffer.allocUnsafe(ref.length);
    let done = 0;
    while (done < ref.length) {
      const n = readSync(this.fd, out, done, ref.length - done, ref.offset + done);
      if (n === 0) throw new Error(`page file ended ${ref.length - done} bytes early`);
      done += n;
    }
    return out;
  }

  /** Copies the live pages into a new file; on any error the old file stays in use. */
  private compact(): void {
    let fd: number | undefined;
    try {
      fd = PageFile.create(this.dir);
      let end = 0;
      const moved = new Map<string, Ref>();
      for (const [key, ref] of this.refs) {
        writeAll(fd, this.readRef(ref), end);
        moved.set(key, { offset: end, length: ref.length });
        end += ref.length;
      }
      closeSync(this.fd);
      this.fd = fd;
      this.end = end;
      this.freed = 0;
      for (const [key, ref] of moved) this.refs.set(key, ref);
    } catch {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

