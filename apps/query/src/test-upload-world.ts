// For the upload tests: the HTTP app over a real store (PGlite, migrated) and a real LocalBlobStore in a
// temp directory, users with real tokens, and conversations made by projecting events.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { silentLogger } from '@parley/core';
import { LocalBlobStore } from '@parley/blob-local';
import { TokenService } from '@parley/auth';
import { readMailConfig } from '@parley/mail';
import { Topics } from '@parley/domain';
import { ProjectionWriter, migrateToLatest, type Database } from '@parley/store';
import type { Actor, EventPayload, ParleyEvent } from '@parley/schemas';
import type { CommandBus } from './command-bus.js';
import { createHttpApp } from './http/create-http-app.js';
import { createHttpDeps } from './http/create-http-deps.js';
import type { HttpAppDeps } from './http/http-app-deps.js';
import type { UploadLimits } from './upload-config.js';

export const TEST_LIMITS: UploadLimits = {
  maxBytes: { image: 200_000, voice: 100_000, video: 100_000, file: 50_000 },
  quotaBytes: 1_000_000,
  chunkBytes: 8192,
  ttlSeconds: 3600,
  urlTtlSeconds: 300,
  sweepSeconds: 600,
};

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  body: { error?: { code: string; message: string; details?: Record<string, unknown> } } & Record<string, unknown>;
}

export interface CallOptions {
  /** Whose token to send (a username of the world), or none. */
  as?: string;
  json?: unknown;
  bytes?: Uint8Array;
  /** Send `bytes` with Transfer-Encoding: chunked, without a Content-Length. */
  chunked?: boolean;
  headers?: Record<string, string>;
}

export interface UploadWorld {
  readonly deps: HttpAppDeps;
  readonly db: Kysely<Database>;
  readonly blobs: LocalBlobStore;
  readonly users: Record<string, Actor>;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** The bearer token of a user of the world. */
  token(username: string): string;
  /** The port the app listens on (127.0.0.1). */
  readonly port: number;
  /** Projects `payload` onto `stream` as the decider would: a MessageSent takes the next seq, anything else the current one. */
  project(stream: string, actor: Actor, payload: EventPayload): Promise<number>;
  /** Every stored blob's name. */
  blobList(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openUploadWorld(usernames: readonly string[], limits: UploadLimits = TEST_LIMITS): Promise<UploadWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-uploads-'));
  const blobs = await LocalBlobStore.open({ dir });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
  await migrateToLatest(db as Kysely<unknown>);
  const secret = new Uint8Array(32).fill(7);
  const tokens = new TokenService({ secret, ttlSeconds: 3600 });
  const settings = { authPerMinute: 1e6, apiPerMinute: 1e6, maxGroupMembers: 100, mail: readMailConfig({}), uploads: limits, tokenSecret: secret };
  const noCommands = {
    execute: () => Promise.reject(new Error('the upload routes run no commands')),
    until: () => Promise.reject(new Error('the upload routes run no commands')),
  } as unknown as CommandBus;
  const deps: HttpAppDeps = { ...createHttpDeps(db, tokens, silentLogger, settings, blobs), commands: noCommands, ready: () => true };
  const users: Record<string, Actor> = {};
  const bearer: Record<string, string> = {};
  for (const name of usernames) {
    users[name] = { userId: `u${name}`, username: name };
    bearer[name] = (await tokens.issue({ id: `u${name}`, username: name, loginId: `l${name}` })).token;
  }
  const server: Server = createServer(createHttpApp(deps));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const writer = new ProjectionWriter(db);
  const seqs = new Map<string, number>();
  let n = 0;
  let offset = 0;

  return {
    deps,
    db,
    blobs,
    users,
    port,
    token: (username) => bearer[username] ?? '',
    call(method, path, options = {}) {
      return new Promise((resolve, reject) => {
        const body = options.json !== undefined ? Buffer.from(JSON.stringify(options.json)) : options.bytes;
        const headers: Record<string, string> = {
          ...(options.as ? { authorization: `Bearer ${bearer[options.as]}` } : {}),
          ...(options.json !== undefined ? { 'content-type': 'application/json' } : options.bytes ? { 'content-type': 'application/octet-stream' } : {}),
          ...(body ? (options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.byteLength) }) : {}),
          ...options.headers,
        };
        const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const bytes = Buffer.concat(chunks);
            const json = /json/.test(String(res.headers['content-type'])) && bytes.length > 0;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, body: json ? (JSON.parse(bytes.toString()) as Answer['body']) : {} });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    async project(stream, actor, payload) {
      const seq = (seqs.get(stream) ?? 0) + (payload.type === 'MessageSent' ? 1 : 0);
      seqs.set(stream, seq);
      n += 1;
      const event: ParleyEvent = { eventId: `e${n}`, stream, seq, ts: Date.now(), commandId: `c${n}`, actor, origin: null, payload };
      offset += 1;
      await writer.applyBatch(Topics.events, 0, [event], offset);
      return seq;
    },
    async blobList() {
      const out: string[] = [];
      for await (const b of blobs.list()) out.push(b);
      return out.sort();
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await blobs.close();
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
