import type { AttachmentVariant, MessageBody, MessageKind, ReadersQuery, ReadersResponse, ReceiptsResponse, SearchQuery, SearchResponse } from '@parley/protocol';
import { GroupsApi } from './groups-api.js';
import { enc, query } from './http-client.js';
import type { ChatMessage, ForwardedCopy, Pin } from './message-state.js';
import { UploadsApi } from './uploads-api.js';

/** Where to download an attachment from, without a token (an <img src>), until `expiresAt` (ms since the epoch). */
export interface AttachmentUrl {
  /** An absolute URL on the server (GET or HEAD, with Range). */
  url: string;
  expiresAt: number;
}

/**
 * What `searchMessages` narrows the search to, each optional: one conversation (its id), one sender (a
 * profile id), one kind (not `system`), a time range in ms since the epoch (`after` inclusive, `before`
 * exclusive), and the page: `cursor` is the previous page's `next`, `limit` 1-50 (the server's default 20).
 */
export type SearchOptions = Omit<SearchQuery, 'q'>;

/**
 * Finding messages (`searchMessages`), and changes to messages already sent (docs/openapi.yaml, tag
 * "messages"): recall, edit, pin, react and forward. Each change also lands in the conversation's timeline
 * as a system entry naming the message (`messageChangeOf`), so every device gets it live and on resume; `applyMessageChange` keeps a loaded
 * list of messages up to date with it. A refused call rejects with `too_late` (past the window),
 * `recalled`, `forbidden`, `conflict` (pinned already, not pinned), `limit_reached` (too many pins),
 * `bad_request` (not an emoji, an edit that does not fit the kind), `not_member` or `not_found`.
 */
export abstract class MessagesApi extends GroupsApi {
  /**
   * Messages the caller can read now whose content holds every term of `q` (1-200 characters of text), newest
   * first, each with the code-point ranges of its content that matched (`highlights`). Recalled messages and
   * system entries are never found; a former member finds only what they could read before leaving. Page on
   * with `cursor: next` while the answer has a `next`. A blank `q` rejects with `bad_request`.
   */
  searchMessages(q: string, options: SearchOptions = {}): Promise<SearchResponse> {
    const { conversation, sender, kind, after, before, cursor, limit } = options;
    return this.request<SearchResponse>('GET', `/v1/search/messages${query({ q, conversation, sender, kind, after, before, cursor, limit })}`);
  }

  /**
   * The read and delivered marks of a conversation's members who share read receipts (the caller too);
   * `shared: false` and no marks when the caller does not share theirs. A message of seq s is read by the
   * members whose readSeq >= s (its sender aside). Rejects with `not_found` when the caller is not a member.
   */
  getReceipts(conversation: string): Promise<ReceiptsResponse> {
    return this.request<ReceiptsResponse>('GET', `/v1/conversations/${enc(conversation)}/receipts`);
  }

  /**
   * Who has read the message of `seq` (`state: 'read'`, the default) or not (`'unread'`), a page of up to
   * `limit` (1-100, default 50) by user id; page on with `cursor: next`. The sender and members who do not
   * share read receipts are in neither list.
   */
  getReaders(conversation: string, seq: number, options: ReadersQuery = {}): Promise<ReadersResponse> {
    const { state, limit, cursor } = options;
    return this.request<ReadersResponse>('GET', `/v1/conversations/${enc(conversation)}/messages/${seq}/readers${query({ state, limit, cursor })}`);
  }

  /** Uploading the files that image, voice, video and file messages carry (see UploadsApi). */
  readonly uploads = new UploadsApi((method, path, options) => this.exchange(method, path, options));

  /**
   * A download URL for the file of an image, voice, video or file message (`thumbnail`: an image's small
   * WebP, `not_found` when it has none), valid for a few minutes (`expiresAt`): ask again for a fresh one
   * when it has expired (the server then answers 403 `url_expired`). Rejects with `recalled` (410) for a
   * recalled message, `not_found` for one that is not of an attachment kind or cannot be read.
   */
  attachmentUrl(id: string, seq: number, variant: AttachmentVariant = 'original'): Promise<AttachmentUrl> {
    return this.request<AttachmentUrl>('GET', `/v1/conversations/${enc(id)}/messages/${seq}/attachment${query({ variant })}`).then((r) => ({
      url: this.resolve(r.url).href,
      expiresAt: r.expiresAt,
    }));
  }

  /** Recalls a message: the sender within the recall window, owners and admins of groups and rooms any time. */
  recall(id: string, seq: number): Promise<void> {
    return this.request('POST', `/v1/conversations/${enc(id)}/messages/${seq}/recall`).then(() => undefined);
  }

  /**
   * Edits the sender's own message within the edit window, in its own kind: the new content and, for a
   * kind with one, the new body. Answers the message as edited.
   */
  editMessage<K extends MessageKind = 'text'>(id: string, seq: number, content: string, body?: MessageBody<K>): Promise<ChatMessage> {
    return this.request<{ message: Omit<ChatMessage, 'type'> }>('PUT', `/v1/conversations/${enc(id)}/messages/${seq}`, body === undefined ? { content } : { content, body }).then(
      (r) => ({ type: 'message' as const, ...r.message }) as ChatMessage,
    );
  }

  /** Pins a message (owners and admins of groups and rooms; either person of a direct conversation). */
  pin(id: string, seq: number): Promise<void> {
    return this.request('PUT', `/v1/conversations/${enc(id)}/messages/${seq}/pin`).then(() => undefined);
  }

  unpin(id: string, seq: number): Promise<void> {
    return this.request('DELETE', `/v1/conversations/${enc(id)}/messages/${seq}/pin`).then(() => undefined);
  }

  /** The conversation's pinned messages: each one's seq, who pinned it and when. */
  pins(id: string): Promise<Pin[]> {
    // The server answers each pinned message whole; a Pin names it by seq, as the live pin entries do.
    return this.request<{ pins: Array<Omit<Pin, 'message'> & { message: { seq: number } }> }>('GET', `/v1/conversations/${enc(id)}/pins`).then((r) =>
      r.pins.map((p) => ({ message: p.message.seq, pinnedBy: p.pinnedBy, pinnedAt: p.pinnedAt })),
    );
  }

  /** Adds the caller's reaction `emoji` (one emoji) to a message. */
  react(id: string, seq: number, emoji: string): Promise<void> {
    return this.request('PUT', `/v1/conversations/${enc(id)}/messages/${seq}/reactions/${enc(emoji)}`).then(() => undefined);
  }

  /** Takes the caller's reaction `emoji` back. */
  unreact(id: string, seq: number, emoji: string): Promise<void> {
    return this.request('DELETE', `/v1/conversations/${enc(id)}/messages/${seq}/reactions/${enc(emoji)}`).then(() => undefined);
  }

  /**
   * Forwards a message to another conversation the caller is in (`not_member` otherwise): a copy sent by the
   * caller, marked `forwarded`. Answers where the copy is.
   */
  forward(id: string, seq: number, to: string): Promise<ForwardedCopy> {
    return this.request<{ message: ForwardedCopy }>('POST', `/v1/conversations/${enc(id)}/messages/${seq}/forward`, { to }).then((r) => r.message);
  }

}
