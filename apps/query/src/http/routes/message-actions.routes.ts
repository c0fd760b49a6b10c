import express, { type Request, type Response } from 'express';
import { monotonicFactory } from 'ulid';
import { ParleyError } from '@parley/core';
import { EditMessageBody, ForwardBody, MAX_EDIT_CONTENT_BYTES, SYSTEM_KIND, compile, isAttachmentKind, isEmoji, utf8Length, type StoredMessage } from '@parley/protocol';
import { validBody } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import { conversationParam, seqParam, type RouteKit } from './route-kit.js';

const check = {
  edit: compile(EditMessageBody),
  forward: compile(ForwardBody),
};

const newClientMsgId = monotonicFactory();

/**
 * One message of a conversation (docs/openapi.yaml, tag "messages"): reading it, and changing it: recall,
 * edit, pin, reactions, and forwarding it to another conversation. Each write is a command on the conversation's stream and the
 * conversation decider alone says who may do it and when (its rejection becomes the HTTP error); the
 * routes check the path, the caller's membership, and what the projection shows where a request would
 * change nothing (a reaction the caller has already, or has not).
 */
export function messageActionRoutes(kit: RouteKit, json: express.RequestHandler[]): express.Router {
  const { deps, requireAuth, claims, actor, run } = kit;
  const router = express.Router();
  const me = (res: Response): string => claims(res).userId;

  const conversationId = conversationParam;
  const seqOf = (req: Request): number => seqParam(req.params['seq']);
  /** `{id}` and `{seq}` of a message of a conversation the caller is a member of. */
  const target = async (req: Request, res: Response): Promise<{ id: string; seq: number }> => {
    const id = conversationId(req.params['id']);
    const seq = seqOf(req);
    if (!(await deps.conversations.isMember(id, me(res)))) throw new ParleyError('not_member', 'You are not a member of this conversation');
    return { id, seq };
  };

  router
    .route('/conversations/:id/messages/:seq/recall')
    .post(requireAuth, async (req, res) => {
      const { id, seq } = await target(req, res);
      await run(id, actor(res), { type: 'RecallMessage', seq });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/messages/:seq')
    .get(requireAuth, async (req, res) => {
      const id = conversationId(req.params['id']);
      const seq = seqOf(req);
      // As GET .../messages: a former member reads up to the entry of their leaving or removal, and what
      // lies past it is as absent to them as a seq never written.
      const until = await deps.groups.readableUntil(id, me(res));
      if (until === undefined) throw new ParleyError('not_member', 'You are not a member of this conversation');
      const message = await deps.messages.one(id, seq, until);
      if (!message) throw new ParleyError('not_found', 'No such message');
      res.json({ message });
    })
    .put(requireAuth, ...json, async (req, res) => {
      const { id, seq } = await target(req, res);
      const { content, body } = validBody(check.edit, req.body);
      const bytes = utf8Length(content);
      if (bytes > MAX_EDIT_CONTENT_BYTES) throw new ParleyError('content_too_large', `Content is ${bytes} bytes; the limit is ${MAX_EDIT_CONTENT_BYTES}`, { details: { field: 'content' } });
      // A file stays what it is: an attachment message's edit changes its caption (content) and keeps its body.
      const current = await deps.messages.one(id, seq);
      let stored = body === undefined ? '' : JSON.stringify(body);
      if (current && isAttachmentKind(current.kind)) {
        if (body !== undefined) throw new ParleyError('bad_request', `An edit of a ${current.kind} message changes its content only; send no body`, { details: { field: 'body' } });
        stored = current.body === undefined ? '' : JSON.stringify(current.body);
      }
      await run(id, actor(res), { type: 'EditMessage', seq, content, body: stored });
      const message = await kit.settled(async () => {
        const m = await deps.messages.one(id, seq);
        return m && m.editedAt !== undefined && m.content === content ? m : undefined;
      });
      res.json({ message });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/messages/:seq/pin')
    .put(requireAuth, async (req, res) => {
      const { id, seq } = await target(req, res);
      // conflict: pinned already, which is what was asked.
      await run(id, actor(res), { type: 'PinMessage', seq, pinned: true }, true);
      res.status(204).end();
    })
    .delete(requireAuth, async (req, res) => {
      const { id, seq } = await target(req, res);
      await run(id, actor(res), { type: 'PinMessage', seq, pinned: false }, true);
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/pins')
    .get(requireAuth, async (req, res) => {
      const id = conversationId(req.params['id']);
      if (!(await deps.conversations.isMember(id, me(res)))) throw new ParleyError('not_member', 'You are not a member of this conversation');
      res.json({ pins: await deps.messages.pins(id) });
    })
    .all(methodNotAllowed);

  /**
   * A reaction to add (`add`) or take back. The decider keeps no reactions, so the projection says whether
   * the caller has it: asking for what is so already answers 204 with no command (and no system entry).
   */
  const react = (add: boolean) => async (req: Request, res: Response) => {
    const { id, seq } = await target(req, res);
    const emoji = String(req.params['emoji']);
    if (!isEmoji(emoji)) throw new ParleyError('bad_request', 'A reaction is one emoji (percent-encoded in the path)', { details: { field: 'emoji' } });
    const has = () => deps.messages.hasReaction(id, seq, emoji, me(res));
    if ((await has()) !== add) {
      await run(id, actor(res), { type: 'ReactToMessage', seq, emoji, add });
      // Answered once it shows, so that the same request again finds it done. A recalled message or a
      // system entry never shows one; the command was accepted all the same.
      await deps.commands.until(async () => ((await has()) === add ? true : undefined));
    }
    res.status(204).end();
  };
  router
    .route('/conversations/:id/messages/:seq/reactions/:emoji')
    .put(requireAuth, react(true))
    .delete(requireAuth, react(false))
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/messages/:seq/forward')
    .post(requireAuth, ...json, async (req, res) => {
      const id = conversationId(req.params['id']);
      const seq = seqOf(req);
      const { to } = validBody(check.forward, req.body);
      // What the caller may read: a former member up to their departure, as GET .../messages/{seq}.
      const until = await deps.groups.readableUntil(id, me(res));
      if (until === undefined) throw new ParleyError('not_member', 'You are not a member of this conversation');
      const source: StoredMessage | undefined = await deps.messages.one(id, seq, until);
      if (!source) throw new ParleyError('not_found', 'No such message');
      if (source.recalled) throw new ParleyError('recalled', 'That message was recalled');
      if (source.kind === SYSTEM_KIND) throw new ParleyError('bad_request', 'System entries cannot be forwarded', { details: { field: 'seq' } });
      if (!(await deps.conversations.isMember(to, me(res)))) throw new ParleyError('not_member', 'You are not a member of the conversation to forward to', { details: { field: 'to' } });
      const clientMsgId = newClientMsgId();
      await run(to, actor(res), {
        type: 'SendMessage',
        clientMsgId,
        kind: source.kind,
        content: source.content,
        body: source.body === undefined ? '' : JSON.stringify(source.body),
        replyTo: 0,
        mentions: [],
        forwarded: true,
      });
      const sent = await kit.settled(() => deps.messages.byClientMsgId(to, me(res), clientMsgId));
      res.status(201).json({ message: { conversation: to, seq: sent.seq, id: sent.id } });
    })
    .all(methodNotAllowed);

  return router;
}
