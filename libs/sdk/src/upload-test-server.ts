import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the upload server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  auth: string | undefined;
  contentType: string | undefined;
  /** Bytes of the body it read (a dropped request: what arrived before it was dropped, or 0). */
  length: number;
}

/**
 * What the server does to one PUT or complete instead of answering it: `drop` closes the connection before
 * taking the chunk, `drop-after` takes it and then closes the connection (the answer is lost), `fail`
 * answers 500 without taking it, `slow` answers after 300 ms.
 */
export type Fault = 'drop' | 'drop-after' | 'fail' | 'slow';

interface Stored {
  id: string;
  kind: string;
  name: string;
  size: number;
  parts: Buffer[];
  offset: number;
  complete: boolean;
}

/**
 * Test support: a server on a real socket that keeps uploads as docs/openapi.yaml (tag "uploads")
 * describes them (offsets, chunk sizes, offset_mismatch with details.offset, completion with a sha256)
 * and fails the requests a test asks it to (`fault`). Not a part of the SDK's entry (node:http).
 */
export async function uploadTestServer(options: { chunkBytes: number }) {
  const uploads = new Map<string, Stored>();
  const requests: SeenRequest[] = [];
  let next = 0;
  const state = { fault: (_what: 'put' | 'complete', _offset: number): Fault | undefined => undefined };

  const view = (u: Stored) => ({ id: u.id, kind: u.kind, name: u.name, size: u.size, offset: u.offset, chunkBytes: options.chunkBytes, complete: u.complete, expiresAt: 86_400_000 });
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, code: string, details?: Record<string, unknown>) => json(res, status, { error: { code, message: code, ...(details ? { details } : {}) } });
  const readBody = async (req: IncomingMessage, seen: SeenRequest) => {
    const chunks: Buffer[] = [];
    for await (const c of req) {
      chunks.push(c as Buffer);
      seen.length += (c as Buffer).length;
    }
    return Buffer.concat(chunks);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const seen: SeenRequest = { method: req.method ?? '', path: url.pathname + url.search, auth: req.headers.authorization, contentType: req.headers['content-type'], length: 0 };
      requests.push(seen);
      const [, v1, what, id, action] = url.pathname.split('/');
      if (v1 !== 'v1') return refuse(res, 404, 'not_found');
      if (what === 'conversations') {
        const variant = url.searchParams.get('variant');
        return json(res, 200, { url: `/v1/files/${'a'.repeat(64)}?v=${variant}&e=99&sig=s`, expiresAt: 99 });
      }
      if (what !== 'uploads') return refuse(res, 404, 'not_found');
      if (req.method === 'POST' && !id) {
        const body = JSON.parse((await readBody(req, seen)).toString()) as { kind: string; name: string; size: number };
        if (body.size > 1000) return refuse(res, 413, 'payload_too_large', { limit: 1000 });
        const u: Stored = { id: `up_${++next}`, kind: body.kind, name: body.name, size: body.size, parts: [], offset: 0, complete: false };
        uploads.set(u.id, u);
        return json(res, 201, view(u));
      }
      const u = id ? uploads.get(id) : undefined;
      if (!u) return refuse(res, 404, 'not_found');
      if (req.method === 'GET') return json(res, 200, view(u));
      if (req.method === 'DELETE') {
        uploads.delete(u.id);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'PUT') {
        const offset = Number(url.searchParams.get('offset'));
        const fault = state.fault('put', offset);
        if (fault === 'drop') return void req.socket.destroy();
        const body = await readBody(req, seen);
        if (fault === 'fail') return refuse(res, 500, 'internal');
        if (offset !== u.offset) return refuse(res, 409, 'offset_mismatch', { offset: u.offset });
        if (body.length === 0) return refuse(res, 400, 'bad_request');
        if (body.length > options.chunkBytes || u.offset + body.length > u.size) return refuse(res, 413, 'payload_too_large');
        u.parts.push(body);
        u.offset += body.length;
        if (fault === 'drop-after') return void req.socket.destroy();
        if (fault === 'slow') await new Promise((r) => setTimeout(r, 300));
        return json(res, 200, view(u));
      }
      if (req.method === 'POST' && action === 'complete') {
        const fault = state.fault('complete', u.offset);
        if (fault === 'drop') return void req.socket.destroy();
        if (fault === 'fail') return refuse(res, 500, 'internal');
        if (u.offset < u.size) return refuse(res, 409, 'upload_incomplete');
        u.complete = true;
        const bytes = Buffer.concat(u.parts);
        const attachment = { id: createHash('sha256').update(bytes).digest('hex'), kind: u.kind, mime: 'application/octet-stream', size: u.size, name: u.name };
        if (fault === 'drop-after') return void req.socket.destroy();
        return json(res, 201, { attachment, ref: `ref.${u.id}`, refExpiresAt: 43_200_000 });
      }
      return refuse(res, 404, 'not_found');
    })().catch(() => req.socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    uploads,
    requests,
    /** What to do to a PUT at `offset` or a completion (undefined: answer it). */
    set fault(f: (what: 'put' | 'complete', offset: number) => Fault | undefined) {
      state.fault = f;
    },
    /** The bytes an upload holds, in order. */
    bytes: (id: string) => Buffer.concat(uploads.get(id)?.parts ?? []),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
