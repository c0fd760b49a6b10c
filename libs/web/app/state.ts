import type {
  AttachmentKind,
  BlockedProfile,
  ConversationSettings,
  ConversationSummary,
  Friend,
  FriendRequest,
  GroupDetails,
  GroupRole,
  Invitation,
  JoinRequest,
  Login,
  MessageFrame,
  OwnProfile,
  PublicProfile,
  SendOptions,
  User,
} from '@parley/sdk';
import { applyMessageChange, MENTION_ALL, messageChangeOf, systemEntryText, type ChatMessage, type Pin } from '@parley/sdk';
import { cutOnGraphemes, searchFold, type PresenceEntry } from '@parley/protocol';
import type { ConversationReceipts } from './receipt-marks.js';
import type { Typist } from './typing.js';

/** Connection as the user sees it. */
export type Connection = 'connecting' | 'online' | 'reconnecting' | 'offline';

export type ConversationKind = 'direct' | 'group' | 'room';

export interface Conversation {
  id: string;
  kind: ConversationKind;
  /** Group or room name as the server has it (empty for direct conversations). */
  name: string;
  /** Members when known (the server lists them for direct conversations and in conversation events). */
  members: User[] | undefined;
  memberCount: number;
  /** Seq of the last message (messages are numbered 1, 2, 3, ... per conversation). */
  lastSeq: number;
  /** The user's read watermark. Unread = lastSeq - readSeq. */
  readSeq: number;
  /** Messages after readSeq that mention the user (or everyone): the list's "@" badge. */
  unreadMentions: number;
  lastMessage: { at: number; preview: string; sender: string } | null;
  /** Sort key for the list: last message time, or when the conversation appeared. */
  activity: number;
  /** The user's private settings for it (pin, mute, hide, remark), the same on every device. */
  settings: ConversationSettings;
  /** The user's role in a group or room (undefined for direct conversations, or not known yet). */
  role: GroupRole | undefined;
  /** Dissolved by its owner: history stays readable, nobody can send. */
  dissolved: boolean;
  /** The user was removed from it (here since, read-only, until the list is reloaded). */
  removed: boolean;
}

export const NO_SETTINGS: ConversationSettings = Object.freeze({ pinned: false, muteUntil: 0, hidden: false, remark: '' });

/** What the app shows of another person, gathered from friends, requests and searches. */
export interface PersonInfo {
  displayName: string;
  avatar: string;
}

/** A page of the main pane other than the conversations. */
export type Page = 'friends' | 'invitations' | 'sessions' | 'account';

/** Group invitations to the user and join requests to the groups the user runs, as loaded. */
export interface Inbox {
  loaded: boolean;
  invitations: Invitation[];
  requests: JoinRequest[];
}

/** The social layer as loaded for the signed-in profile. */
export interface Social {
  loaded: boolean;
  friends: Friend[];
  incoming: FriendRequest[];
  outgoing: FriendRequest[];
  blocked: BlockedProfile[];
  /** Private remarks for other profiles, by profile id. */
  remarks: Map<string, string>;
  /** Display names and avatars of people seen, by profile id. */
  people: Map<string, PersonInfo>;
}

export interface Timeline {
  /**
   * Loaded messages, ascending by seq, without duplicates, each showing the changes made to it (recalled,
   * edited, pinned, reactions): as history returned it, then with the change entries that came after.
   */
  messages: ChatMessage[];
  /** Whether the newest page was fetched from history. */
  loaded: boolean;
  loading: boolean;
  loadingOlder: boolean;
  /** Whether older messages exist before the first loaded one. */
  hasMore: boolean;
  error: string | undefined;
}

/** What a message carries besides its text: kind and body, the message it replies to, whom it mentions. */
export type MessageExtras = Pick<SendOptions, 'kind' | 'body' | 'replyTo' | 'mentions'>;

/** What the composer sends: the text, the message it replies to, and the handles picked from the suggestions. */
export interface Draft {
  text: string;
  reply: MessageFrame | undefined;
  /** handle -> profile id (MENTION_ALL for "@all"), as picked from the suggestions. */
  picked: Map<string, string>;
}

/** Someone the composer can mention: a member, or everyone (`id` MENTION_ALL, handle "all"). */
export interface MentionCandidate {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
}

export interface PendingMessage {
  clientMsgId: string;
  conversation: string;
  content: string;
  extras: MessageExtras;
  createdAt: number;
  status: 'sending' | 'failed';
  error: string | undefined;
}

/** A file being uploaded (then sent as a message of its kind), shown with a progress bar over the composer. */
export interface UploadEntry {
  /** This page's own id for it (not the server's upload id). */
  key: string;
  conversation: string;
  name: string;
  kind: AttachmentKind;
  size: number;
  /** Bytes the server holds. */
  sent: number;
  /** queued: waits for the uploads before it; failed: `error` says why (retry or dismiss). */
  status: 'queued' | 'uploading' | 'failed';
  error: string | undefined;
}

export interface Presence {
  online: number;
  members: number;
  onlineMembers: User[];
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** A message fetched on its own (one a reply quotes that is not loaded), or why it is not there. */
export type Quoted = ChatMessage | 'loading' | 'unavailable';
/** A profile a contact card shows, looked up by id. */
export type Card = PublicProfile | 'loading' | 'unavailable';

export interface AppState {
  me: User | undefined;
  /** The signed-in profile, its login, and the login's other profiles (loaded after start). */
  profile: OwnProfile | undefined;
  login: Login | undefined;
  profiles: OwnProfile[];
  social: Social;
  inbox: Inbox;
  /** Groups' and rooms' profiles, roles and notices as last loaded (for the open one, and ones opened before). */
  groups: Map<string, GroupDetails>;
  /** A page shown in the main pane instead of a conversation. */
  page: Page | undefined;
  connection: Connection;
  conversations: Map<string, Conversation>;
  listLoaded: boolean;
  timelines: Map<string, Timeline>;
  /** Own messages not acked yet (or rejected), by clientMsgId, in send order. */
  pending: Map<string, PendingMessage>;
  /** Files being uploaded, by UploadEntry.key, in the order they were picked. */
  uploads: Map<string, UploadEntry>;
  presence: Map<string, Presence>;
  /** Read receipts of the direct conversations and groups opened, by conversation id (see Receipts). */
  receipts: Map<string, ConversationReceipts>;
  /** Who is typing, by conversation id, then user id (see Typing). */
  typing: Map<string, Map<string, Typist>>;
  /** Contacts' online state and last seen, by user id: only those whose presence the user may see. */
  contactPresence: Map<string, PresenceEntry>;
  /** Quoted messages fetched by `quoteKey`. */
  quotes: Map<string, Quoted>;
  /** Profiles of contact cards, by profile id. */
  cards: Map<string, Card>;
  /** Pinned messages by conversation, the newest pin first, as loaded when it was opened and kept live. */
  pins: Map<string, Pin[]>;
  openId: string | undefined;
  /**
   * A message to bring into view and mark (a search result clicked): the timeline scrolls to it once it is
   * loaded, once per `key`.
   */
  found: { conversation: string; seq: number; key: number } | undefined;
  notices: Notice[];
  maxContentBytes: number;
}

export function initialState(): AppState {
  return {
    me: undefined,
    profile: undefined,
    login: undefined,
    profiles: [],
    social: emptySocial(),
    inbox: { loaded: false, invitations: [], requests: [] },
    groups: new Map(),
    page: undefined,
    connection: 'connecting',
    conversations: new Map(),
    listLoaded: false,
    timelines: new Map(),
    pending: new Map(),
    uploads: new Map(),
    presence: new Map(),
    receipts: new Map(),
    typing: new Map(),
    contactPresence: new Map(),
    quotes: new Map(),
    cards: new Map(),
    pins: new Map(),
    openId: undefined,
    found: undefined,
    notices: [],
    maxContentBytes: 16_384,
  };
}

export function emptySocial(): Social {
  return { loaded: false, friends: [], incoming: [], outgoing: [], blocked: [], remarks: new Map(), people: new Map() };
}

type Listener = (state: AppState) => void;

/** Holds the state; `update` mutates it and schedules one render for any number of changes in a tick. */
export class Store {
  readonly state: AppState = initialState();
  private readonly listeners = new Set<Listener>();
  private scheduled = false;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  update(change?: (state: AppState) => void): void {
    change?.(this.state);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const l of [...this.listeners]) l(this.state);
    });
  }

  reset(): void {
    Object.assign(this.state, initialState());
    this.update();
  }
}

// ---------- pure helpers ----------

export function unread(c: Conversation): number {
  return Math.max(0, c.lastSeq - c.readSeq);
}

/** Moves the read watermark up to `seq`; once everything is read, no mention is unread either. */
export function readUpTo(c: Conversation, seq: number): void {
  c.readSeq = Math.max(c.readSeq, seq);
  if (c.readSeq >= c.lastSeq) c.unreadMentions = 0;
}

/** Whether a message mentions the profile `me` by id or everyone ("all"). */
export function mentionsMe(m: Pick<MessageFrame, 'mentions'>, me: string | undefined): boolean {
  return !!me && !!m.mentions?.some((x) => x === me || x === MENTION_ALL);
}

/** The key of a quoted message in AppState.quotes. */
export function quoteKey(conversation: string, seq: number): string {
  return `${conversation}\u0000${seq}`;
}

/** Display name: a group/room name, or for a direct conversation the other member's username. */
export function displayName(c: Conversation, me: User | undefined): string {
  if (c.kind === 'room') return `#${c.name || c.id.slice(2)}`;
  if (c.kind === 'group') return c.name || 'Unnamed group';
  const other = c.members?.find((m) => m.id !== me?.id) ?? c.members?.[0];
  return other?.username ?? 'Direct conversation';
}

/** The other member of a direct conversation. */
export function otherMember(c: Conversation, me: User | undefined): User | undefined {
  if (c.kind !== 'direct') return undefined;
  return c.members?.find((m) => m.id !== me?.id) ?? c.members?.[0];
}

/**
 * The name the list and the header show: the user's remark for the conversation, else (direct) their
 * remark for the other person or that person's display name, else the conversation's own name.
 */
export function titleOf(c: Conversation, state: AppState): string {
  if (c.settings.remark) return c.settings.remark;
  const other = otherMember(c, state.me);
  if (other) {
    const remark = state.social.remarks.get(other.id);
    if (remark) return remark;
    const person = state.social.people.get(other.id);
    if (person?.displayName && person.displayName !== other.username) return person.displayName;
  }
  return displayName(c, state.me);
}

/** Whether the filter text matches the conversation: its title, its real name, remarks and handles. */
export function matchesFilter(c: Conversation, state: AppState, needle: string): boolean {
  if (!needle) return true;
  const other = otherMember(c, state.me);
  const names = [titleOf(c, state), displayName(c, state.me), c.settings.remark];
  if (other) names.push(other.username, state.social.remarks.get(other.id) ?? '', state.social.people.get(other.id)?.displayName ?? '');
  // The same folding as the server's `q` filter, so both find the same conversations.
  const n = searchFold(needle);
  return names.some((t) => t && searchFold(t).includes(n));
}

/** Muted: still counted as unread, never alerted. */
export function isMuted(c: Conversation, now = Date.now()): boolean {
  return c.settings.muteUntil === -1 || c.settings.muteUntil > now;
}

export function fromSummary(s: ConversationSummary, activity: number): Conversation {
  // role and dissolved: servers before groups had roles leave them out; unreadMentions, before mentions.
  const group = s as ConversationSummary & { role?: GroupRole; dissolved?: boolean; unreadMentions?: number };
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    members: s.members,
    memberCount: s.memberCount,
    lastSeq: s.lastSeq,
    readSeq: s.readSeq,
    unreadMentions: group.unreadMentions ?? 0,
    lastMessage: s.lastMessage,
    activity: s.lastMessage?.at ?? activity,
    settings: s.settings ?? NO_SETTINGS,
    role: s.kind === 'direct' ? undefined : group.role,
    dissolved: group.dissolved ?? false,
    removed: false,
  };
}

/** Merges a fresher server summary into what we have, never moving seqs backwards. */
export function mergeSummary(
  existing: Conversation | undefined,
  s: ConversationSummary,
  activity: number,
): Conversation {
  const next = fromSummary(s, existing?.activity ?? activity);
  if (!existing) return next;
  const newer = existing.lastSeq > s.lastSeq;
  const merged: Conversation = {
    ...next,
    members: s.members ?? existing.members,
    role: next.role ?? existing.role,
    dissolved: next.dissolved || existing.dissolved,
    lastSeq: Math.max(existing.lastSeq, s.lastSeq),
    readSeq: Math.max(existing.readSeq, s.readSeq),
    // Ours counts mentions that arrived after the summary was made.
    unreadMentions: newer ? Math.max(existing.unreadMentions, next.unreadMentions) : next.unreadMentions,
    lastMessage: newer ? existing.lastMessage : s.lastMessage,
    activity: Math.max(existing.activity, next.activity),
  };
  if (merged.readSeq >= merged.lastSeq) merged.unreadMentions = 0;
  return merged;
}

/** Conversations the list shows (hidden ones left out): pinned first, then most recently active first. */
export function sortedConversations(state: AppState): Conversation[] {
  return [...state.conversations.values()]
    .filter((c) => !c.settings.hidden)
    .sort(
      (a, b) =>
        Number(b.settings.pinned) - Number(a.settings.pinned) ||
        b.activity - a.activity ||
        a.id.localeCompare(b.id),
    );
}

export function emptyTimeline(): Timeline {
  return {
    messages: [],
    loaded: false,
    loading: false,
    loadingOlder: false,
    hasMore: true,
    error: undefined,
  };
}

/**
 * Inserts messages into a timeline by seq, ignoring ones it has. Returns how many were new. A new
 * message-change entry is applied to its message when that was loaded before: one that came in the same
 * batch (a page of history) already shows it.
 */
export function mergeMessages(t: Timeline, incoming: readonly ChatMessage[]): number {
  if (incoming.length === 0) return 0;
  const have = new Set(t.messages.map((m) => m.seq));
  const fresh = incoming.filter((m) => !have.has(m.seq));
  if (fresh.length === 0) return 0;
  const last = t.messages[t.messages.length - 1];
  const sortedFresh = [...fresh].sort((a, b) => a.seq - b.seq);
  if (!last || (sortedFresh[0] && sortedFresh[0].seq > last.seq)) t.messages.push(...sortedFresh);
  else t.messages = [...t.messages, ...sortedFresh].sort((a, b) => a.seq - b.seq);
  const freshSeqs = new Set(fresh.map((m) => m.seq));
  for (const m of sortedFresh) {
    const change = messageChangeOf(m);
    if (change && have.has(change.message) && !freshSeqs.has(change.message)) applyMessageChange(t.messages, m);
  }
  return fresh.length;
}

/** A pinned-message list with a pin or unpin entry applied (a recall unpins too). */
export function withPinChange(pins: readonly Pin[], entry: MessageFrame): Pin[] {
  const change = messageChangeOf(entry);
  if (!change) return [...pins];
  const rest = pins.filter((p) => p.message !== change.message);
  if (change.event === 'pinned') return [{ message: change.message, pinnedBy: change.actor, pinnedAt: entry.ts }, ...rest];
  return change.event === 'unpinned' || change.event === 'recalled' ? rest : [...pins];
}

/**
 * The sidebar's preview of a live message: whitespace folded, cut on a grapheme boundary (the server's
 * text rule); a system entry in words, as the server previews it.
 */
export function previewOf(m: Pick<ChatMessage, 'kind' | 'content' | 'recalled'>): string {
  if (m.recalled) return 'message recalled';
  return cutOnGraphemes((systemEntryText(m) ?? m.content).replace(/\s+/g, ' ').trim(), 120);
}

/** Whether the user may run the group: change its settings, post notices, moderate members. */
export function isAdmin(role: GroupRole | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

/** The user's role: from the loaded group profile when there is one (fresher), else from the list. */
export function roleIn(c: Conversation, state: AppState): GroupRole | undefined {
  return state.groups.get(c.id)?.myRole ?? c.role;
}

/**
 * Why the user cannot write in a conversation right now, or undefined if they can: dissolved, removed,
 * muted by an admin, or everyone but admins muted.
 */
export function writeBlock(c: Conversation, state: AppState, now = Date.now()): string | undefined {
  if (c.dissolved) return 'This group was dissolved. Its history stays readable, but nobody can send.';
  if (c.removed) return 'You were removed from this group. Its history up to then stays readable.';
  const g = state.groups.get(c.id);
  if (!g) return undefined;
  if (g.dissolved) return 'This group was dissolved. Its history stays readable, but nobody can send.';
  if (g.myMutedUntil > now) return `An admin muted you here until ${new Date(g.myMutedUntil).toLocaleString()}.`;
  if (g.muteAll && !isAdmin(g.myRole)) return 'Only admins can write here right now.';
  return undefined;
}
