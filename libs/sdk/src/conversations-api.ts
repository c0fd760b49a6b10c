import type { ConversationSettings, ConversationSettingsBody, ConversationSummary, JoinPolicy, Member, UnreadTotals, User } from '@parley/protocol';
import { AccountApi } from './account-api.js';
import type { ChatMessage } from './message-state.js';
import { ParleyClientError } from './http-api.js';
import { enc, query } from './http-client.js';

/** Conversations: the list, history, direct chats, groups, rooms, members and the caller's private settings. */
export abstract class ConversationsApi extends AccountApi {
  /** The unread totals over all of this profile's conversations, for a badge: conversations, messages, mentions. */
  unreadTotals(): Promise<UnreadTotals> {
    return this.request<UnreadTotals>('GET', '/v1/unread');
  }

  /**
   * The caller's conversations, pinned first, then by activity. `q` keeps those whose name, remark or
   * (direct) other member's handle, display name or remark contains it; `hidden` includes hidden ones.
   */
  conversations(options: { q?: string; hidden?: boolean; limit?: number } = {}): Promise<ConversationSummary[]> {
    const path = `/v1/conversations${query({ q: options.q || undefined, hidden: options.hidden || undefined, limit: options.limit })}`;
    return this.request<{ conversations: ConversationSummary[] }>('GET', path).then((r) => r.conversations);
  }

  conversation(id: string): Promise<ConversationSummary> {
    return this.request<{ conversation: ConversationSummary }>('GET', `/v1/conversations/${enc(id)}`).then((r) => r.conversation);
  }

  /**
   * A page of history: `after` a seq (oldest first), or the newest `before` a seq (default: the latest).
   * Each message shows the changes made to it until now (recalled, editedAt, pinned, reactions).
   */
  history(id: string, page: { after?: number; before?: number; limit?: number } = {}): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    return this.request<{ messages: Array<Omit<ChatMessage, 'type'>>; hasMore: boolean }>('GET', `/v1/conversations/${enc(id)}/messages${query(page)}`).then((r) => ({
      messages: r.messages.map((m) => ({ type: 'message' as const, ...m })),
      hasMore: r.hasMore,
    }));
  }

  /**
   * One message by its seq: the one a reply quotes when it is not loaded. `not_found` (404) for a seq
   * the conversation does not have; a former member reads only up to their departure.
   */
  message(id: string, seq: number): Promise<ChatMessage> {
    return this.request<{ message: Omit<ChatMessage, 'type'> }>('GET', `/v1/conversations/${enc(id)}/messages/${seq}`).then((r) => ({ type: 'message' as const, ...r.message }));
  }

  /** The caller's private settings for a conversation (`not_member` for one they are not in). */
  conversationSettings(id: string): Promise<ConversationSettings> {
    return this.request<{ settings: ConversationSettings }>('GET', `/v1/conversations/${enc(id)}/settings`).then((r) => r.settings);
  }

  /**
   * Changes the given settings (pin, mute until a time / -1 always / 0 off, hide, remark) and answers all
   * of them; the profile's other devices get a `settings` event.
   */
  setConversationSettings(id: string, changes: ConversationSettingsBody): Promise<ConversationSettings> {
    return this.request<{ settings: ConversationSettings }>('PUT', `/v1/conversations/${enc(id)}/settings`, changes).then((r) => r.settings);
  }

  /** Opens (or finds) the direct conversation with a handle (`blocked`/`not_permitted` when they do not take it). */
  openDirect(username: string): Promise<ConversationSummary> {
    return this.request<{ conversation: ConversationSummary }>('POST', '/v1/conversations/direct', { username }).then((r) => r.conversation);
  }

  /**
   * A new group with the caller as its owner and `members` added at once. `joinPolicy` (default `invite`:
   * invitations and links only) says how others get in.
   */
  createGroup(name: string, members: string[] = [], options: { joinPolicy?: JoinPolicy } = {}): Promise<ConversationSummary> {
    return this.request<{ conversation: ConversationSummary }>('POST', '/v1/groups', { name, members, ...options }).then((r) => r.conversation);
  }

  /**
   * Joins an open group (or finds the caller a member already). A group that needs approval answers with a
   * request instead: that rejects with `pending` (status 202); use `requestJoin` to send a note with it.
   */
  joinGroup(id: string): Promise<ConversationSummary> {
    return this.request<{ conversation?: ConversationSummary }>('POST', `/v1/groups/${enc(id)}/join`).then((r) => {
      if (!r.conversation) throw new ParleyClientError('pending', 'The group needs approval: your request waits for an admin', 202);
      return r.conversation;
    });
  }

  joinRoom(name: string): Promise<ConversationSummary> {
    return this.request<{ conversation: ConversationSummary }>('POST', `/v1/rooms/${enc(name)}/join`).then((r) => r.conversation);
  }

  addMembers(id: string, usernames: string[]): Promise<User[]> {
    return this.request<{ added: User[] }>('POST', `/v1/conversations/${enc(id)}/members`, { usernames }).then((r) => r.added);
  }

  members(id: string): Promise<Member[]> {
    return this.request<{ members: Member[] }>('GET', `/v1/conversations/${enc(id)}/members`).then((r) => r.members);
  }

  leave(id: string): Promise<void> {
    return this.request('POST', `/v1/conversations/${enc(id)}/leave`).then(() => undefined);
  }
}
