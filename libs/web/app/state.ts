import type { ConversationSummary, MessageFrame, User } from '@parley/sdk';
import { cutOnGraphemes } from '@parley/protocol';

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
  lastMessage: { at: number; preview: string; sender: string } | null;
  /** Sort key for the list: last message time, or when the conversation appeared. */
  activity: number;
}

export interface Timeline {
  /** Loaded messages, ascending by seq, without duplicates. */
  messages: MessageFrame[];
  /** Whether the newest page was fetched from history. */
  loaded: boolean;
  loading: boolean;
  loadingOlder: boolean;
  /** Whether older messages exist before the first loaded one. */
  hasMore: boolean;
  error: string | undefined;
}

export interface PendingMessage {
  clientMsgId: string;
  conversation: string;
  content: string;
  createdAt: number;
  status: 'sending' | 'failed';
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

export interface AppState {
  me: User | undefined;
  connection: Connection;
  conversations: Map<string, Conversation>;
  listLoaded: boolean;
  timelines: Map<string, Timeline>;
  /** Own messages not acked yet (or rejected), by clientMsgId, in send order. */
  pending: Map<string, PendingMessage>;
  presence: Map<string, Presence>;
  openId: string | undefined;
  notices: Notice[];
  maxContentBytes: number;
}

export function initialState(): AppState {
  return {
    me: undefined,
    connection: 'connecting',
    conversations: new Map(),
    listLoaded: false,
    timelines: new Map(),
    pending: new Map(),
    presence: new Map(),
    openId: undefined,
    notices: [],
    maxContentBytes: 16_384,
  };
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

/** Display name: a group/room name, or for a direct conversation the other member's username. */
export function displayName(c: Conversation, me: User | undefined): string {
  if (c.kind === 'room') return `#${c.name || c.id.slice(2)}`;
  if (c.kind === 'group') return c.name || 'Unnamed group';
  const other = c.members?.find((m) => m.id !== me?.id) ?? c.members?.[0];
  return other?.username ?? 'Direct conversation';
}

export function fromSummary(s: ConversationSummary, activity: number): Conversation {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    members: s.members,
    memberCount: s.memberCount,
    lastSeq: s.lastSeq,
    readSeq: s.readSeq,
    lastMessage: s.lastMessage,
    activity: s.lastMessage?.at ?? activity,
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
  return {
    ...next,
    members: s.members ?? existing.members,
    lastSeq: Math.max(existing.lastSeq, s.lastSeq),
    readSeq: Math.max(existing.readSeq, s.readSeq),
    lastMessage: newer ? existing.lastMessage : s.lastMessage,
    activity: Math.max(existing.activity, next.activity),
  };
}

/** Conversations, most recently active first. */
export function sortedConversations(state: AppState): Conversation[] {
  return [...state.conversations.values()].sort(
    (a, b) => b.activity - a.activity || a.id.localeCompare(b.id),
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

/** Inserts messages into a timeline by seq, ignoring ones it has. Returns how many were new. */
export function mergeMessages(t: Timeline, incoming: readonly MessageFrame[]): number {
  if (incoming.length === 0) return 0;
  const have = new Set(t.messages.map((m) => m.seq));
  const fresh = incoming.filter((m) => !have.has(m.seq));
  if (fresh.length === 0) return 0;
  const last = t.messages[t.messages.length - 1];
  const sortedFresh = [...fresh].sort((a, b) => a.seq - b.seq);
  if (!last || (sortedFresh[0] && sortedFresh[0].seq > last.seq)) t.messages.push(...sortedFresh);
  else t.messages = [...t.messages, ...sortedFresh].sort((a, b) => a.seq - b.seq);
  return fresh.length;
}

/** The sidebar's preview of a live message: whitespace folded, cut on a grapheme boundary (the server's text rule). */
export function previewOf(content: string): string {
  return cutOnGraphemes(content.replace(/\s+/g, ' ').trim(), 120);
}
