import express from 'express';
import { ParleyError } from '@parley/core';
import { DEFAULT_READERS_LIMIT, MarkReadBody, ReadersQuery, compile, type ReadersResponse, type ReceiptsResponse } from '@parley/protocol';
import { validBody, validQuery } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import { conversationParam, seqParam, type RouteKit } from './route-kit.js';

const check = { read: compile(MarkReadBody), readers: compile(ReadersQuery) };

/**
 * Read marks (docs/openapi.yaml, tag "receipts"; docs/PROTOCOL.md "Read receipts"): marking read over
 * HTTP, every member's marks, and who has read a message. Marks of members who share no receipts are
 * never shown, and a caller who shares none sees none.
 */
export function receiptsRoutes(kit: RouteKit, json: express.RequestHandler[]): express.Router {
  const { deps, requireAuth, claims, run, actor } = kit;
  const router = express.Router();

  /** The caller's membership (403 `not_member` otherwise) and whether they share receipts. */
  const viewer = async (id: string, res: express.Response): Promise<{ shared: boolean }> => {
    const userId = claims(res).userId;
    if (!(await deps.conversations.isMember(id, userId))) throw new ParleyError('not_member', 'You are not a member of this conversation');
    const privacy = (await deps.profiles.privacyOf([userId])).get(userId);
    return { shared: privacy?.readReceipts ?? true };
  };

  router
    .route('/conversations/:id/read')
    .post(requireAuth, ...json, async (req, res) => {
      const id = conversationParam(req.params['id']);
      const { shared } = await viewer(id, res);
      const { seq } = validBody(check.read, req.body);
      await run(id, actor(res), { type: 'MarkReceipts', marks: [{ userId: claims(res).userId, readSeq: seq, deliveredSeq: 0, shared }] });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/receipts')
    .get(requireAuth, async (req, res) => {
      const id = conversationParam(req.params['id']);
      const { shared } = await viewer(id, res);
      const body: ReceiptsResponse = { shared, marks: shared ? await deps.receipts.marks(id) : [] };
      res.json(body);
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/messages/:seq/readers')
    .get(requireAuth, async (req, res) => {
      const id = conversationParam(req.params['id']);
      const seq = seqParam(req.params['seq']);
      const query = validQuery(check.readers, req.query);
      const { shared } = await viewer(id, res);
      if (!shared) return void res.json({ count: 0, users: [] } satisfies ReadersResponse);
      const state = query.state ?? 'read';
      const scope = `${id} ${seq} ${state}`;
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);
      const limit = query.limit ?? DEFAULT_READERS_LIMIT;
      const page = await deps.receipts.readers(id, seq, { state, limit, ...(after !== undefined ? { after } : {}) });
      const last = page.users[page.users.length - 1];
      const body: ReadersResponse = { count: page.count, users: page.users, ...(page.more && last ? { next: Buffer.from(`${scope} ${last.id}`).toString('base64url') } : {}) };
      res.json(body);
    })
    .all(methodNotAllowed);

  return router;
}

/**
 * The cursor is base64url of `<conversation> <seq> <state> <last user id>`: it resumes only the list it
 * came from; anything else is 400 naming `cursor`.
 */
function decodeCursor(cursor: string, scope: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(`${scope} `) ? text.slice(scope.length + 1) : '';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new ParleyError('bad_request', '"cursor" is not a cursor this list answered (the same message and state)', { details: { field: 'cursor' } });
  return id;
}
