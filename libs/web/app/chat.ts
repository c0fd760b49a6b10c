import {
  ParleyClient,
  ParleyClientError,
  type AttachmentKind,
  type ConversationFrame,
  type ConversationSummary,
  type JoinOutcome,
  type JoinPolicy,
  type Member,
  type MessageFrame,
  type RoomPresenceFrame,
  type User,
} from '@parley/sdk';
import { CloseCodes, utf8Length } from '@parley/protocol';
import { describeCode, describeError, isAuthError } from './errors.js';
import { mentionsIn } from './mentions.js';
import type { SavedSession } from './session.js';
import {
  displayName,
  emptyTimeline,
  mentionsMe,
  mergeMessages,
  mergeSummary,
  NO_SETTINGS,
  previewOf,
  quoteKey,
  readUpTo,
  type Card,
  type Conversation,
  type ConversationKind,
  type Draft,
  type MentionCandidate,
  type MessageExtras,
  type Quoted,
  type Store,
} from './state.js';

const PAGE = 50;
/** The most messages one page of history may ask for (MessagesQuery). */
const HISTORY_MAX = 200;
/** How many older messages reveal loads beyond the one it brings into view, so it is not the first. */
const CONTEXT = 10;
const SESSION_END_CODES = new Set<number>([
  CloseCodes.unauthorized,
  CloseCodes.loggedOut,
  CloseCodes.authTimeout,
]);

export interface ChatOptions {
  readonly url: string;
  readonly store: Store;
  /** Called when the server no longer accepts the session (expired, revoked, logged out elsewhere). */
  readonly onSessionEnded: (message: string) => void;
  /** Called once with the connected client, before it connects, so other controllers can listen too. */
  readonly attach?: (client: ParleyClient) => void;
}

/**
 * The chat controller: owns the ParleyClient of one logged-in session, turns its events into state
 * changes, and offers the actions the views call. Views never talk to the client directly.
 */
export class Chat {
  private client: ParleyClient | undefined;
  private everOnline = false;
  private stopped = false;
  private noticeSeq = 0;
  private readonly fetching = new Set<string>();
  private readonly filling = new Set<string>();
  /** The first page of each conversation being loaded (see reveal). */
  private readonly latest = new Map<string, Promise<void>>();
  private foundKey = 0;
  /** When each conversation was last added or changed by a live event (a counter), see applyList. */
  private readonly touched = new Map<string, number>();
  private clock = 0;
  /** Highest read seq sent to the server per conversation. */
  private readonly sentRead = new Map<string, number>();
  private markTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') this.markOpenRead();
  };

  constructor(private readonly options: ChatOptions) {}

  private get store(): Store {
    return this.options.store;
  }

  // ---------- session ----------

  /** Loads the conversation list, then connects, resuming each conversation from its last seq. */
  async start(session: SavedSession): Promise<void> {
    this.store.update((s) => {
      s.me = session.user;
      s.connection = 'connecting';
    });
    const probe = new ParleyClient({ url: this.options.url });
    probe.useToken(session.token, session.user);
    let list: ConversationSummary[] | undefined;
    try {
      list = await probe.conversations();
    } catch (error) {
      if (isAuthError(error)) return this.endSession('Your session has ended. Log in again.');
      this.notify('error', `Could not load your conversations: ${describeError(error)}`);
    }
    if (this.stopped) return;
    const positions = Object.fromEntries((list ?? []).map((c) => [c.id, c.lastSeq]));
    const client = new ParleyClient({
      url: this.options.url,
      positions,
      minReconnectDelayMs: 300,
      maxReconnectDelayMs: 8000,
    });
    client.useToken(session.token, session.user);
    this.client = client;
    this.wire(client);
    this.options.attach?.(client);
    if (list) this.applyList(list, 0);
    document.addEventListener('visibilitychange', this.onVisibility);
    client.connect().catch((error: unknown) => {
      if (!this.stopped) this.notify('error', `Could not connect: ${describeError(error)}`);
    });
  }

  /** Stops for good (logout or session end): closes the connection, drops timers. */
  stop(): void {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisibility);
    if (this.markTimer) clearTimeout(this.markTimer);
    this.client?.close();
    this.client = undefined;
  }

  async logout(): Promise<void> {
    const client = this.client;
    this.stopped = true;
    try {
      await client?.logout();
    } catch {
      /* the token is dropped locally either way */
    }
    this.stop();
  }

  private endSession(message: string): void {
    if (this.stopped) return;
    this.stop();
    this.options.onSessionEnded(message);
  }

  private wire(client: ParleyClient): void {
    client.on('state', (state, info) => {
      if (this.stopped) return;
      if (state === 'closed' && info?.code !== undefined && SESSION_END_CODES.has(info.code)) {
        return this.endSession(
          info.code === CloseCodes.loggedOut
            ? 'You were logged out (this session was ended). Log in again.'
            : 'Your session has ended. Log in again.',
        );
      }
      this.store.update((s) => {
        if (state === 'open') s.connection = 'online';
        else if (state === 'connecting' || state === 'closed')
          s.connection = this.everOnline ? 'reconnecting' : 'connecting';
        else s.connection = 'offline';
      });
    });
    client.on('ready', (frame) => {
      this.everOnline = true;
      this.store.update((s) => {
        s.me = frame.user;
        s.maxContentBytes = frame.limits.maxContentBytes;
      });
      // Catch up on what a live connection cannot resume: conversations added while away, the open one's gaps.
      void this.refreshList();
      const open = this.store.state.openId;
      if (open) {
        void this.fillGap(open);
        this.markOpenRead(true);
      }
    });
    client.on('message', (m) => this.onMessage(m));
    client.on('conversation', (f) => this.onConversation(f));
    client.on('room.presence', (p) => this.onPresence(p));
    client.on('error', (e) => this.notify('error', describeCode(e.code, e.message)));
  }

  // ---------- incoming ----------

  private onMessage(m: MessageFrame): void {
    const s = this.store.state;
    const me = s.me;
    const own = m.sender.id === me?.id;
    let conv = s.conversations.get(m.conversation);
    if (!conv) {
      conv = placeholder(m.conversation, m.ts);
      if (conv.kind === 'direct' && me) conv.members = own ? [me] : [m.sender, me];
      s.conversations.set(conv.id, conv);
      void this.refreshConversation(m.conversation);
    }
    if (m.seq > conv.lastSeq) {
      // A hidden conversation comes back with a new message (the server unhides it the same way).
      if (conv.settings.hidden) conv.settings = { ...conv.settings, hidden: false };
      conv.lastSeq = m.seq;
      conv.lastMessage = { at: m.ts, preview: previewOf(m), sender: m.sender.username };
      conv.activity = Math.max(conv.activity, m.ts);
      if (!own && m.seq > conv.readSeq && mentionsMe(m, me?.id)) conv.unreadMentions++;
    }
    if (own) readUpTo(conv, m.seq);
    s.pending.delete(m.clientMsgId);
    this.touched.set(m.conversation, ++this.clock);
    const t = s.timelines.get(m.conversation);
    if (t) {
      const lastLoaded = t.messages[t.messages.length - 1]?.seq;
      mergeMessages(t, [m]);
      if (t.loaded && lastLoaded !== undefined && m.seq > lastLoaded + 1) void this.fillGap(m.conversation);
      if (t.loaded && lastLoaded === undefined && m.seq > 1 && !t.hasMore) t.hasMore = true;
    }
    if (s.openId === m.conversation && !own && t?.loaded && document.visibilityState !== 'hidden') {
      // Seen right away on screen; the server hears about it a moment later (batched).
      readUpTo(conv, m.seq);
      this.scheduleMarkRead();
    }
    this.store.update();
  }

  private onConversation(f: ConversationFrame): void {
    const s = this.store.state;
    const me = s.me;
    const conv = s.conversations.get(f.conversation);
    const members = f.members ?? [];
    this.touched.set(f.conversation, ++this.clock);
    switch (f.event) {
      case 'created':
      case 'joined': {
        if (!conv) {
          if (f.event === 'joined' && !members.some((m) => m.id === me?.id)) return;
          const fresh: Conversation = {
            id: f.conversation,
            kind: f.kind,
            name: f.name ?? '',
            members: members.length ? members : undefined,
            memberCount: Math.max(1, members.length),
            lastSeq: f.lastSeq,
            readSeq: f.lastSeq,
            unreadMentions: 0,
            lastMessage: null,
            activity: Date.now(),
            settings: NO_SETTINGS,
            // Known once the summary or the group's profile is fetched.
            role: undefined,
            dissolved: false,
            removed: false,
          };
          s.conversations.set(fresh.id, fresh);
          if (f.event === 'joined') void this.refreshConversation(f.conversation);
        } else if (f.event === 'joined') {
          const known = new Set((conv.members ?? []).map((m) => m.id));
          const added = members.filter((m) => !known.has(m.id));
          if (conv.members) conv.members = [...conv.members, ...added];
          if (s.presence.get(conv.id) === undefined) conv.memberCount += added.length;
        }
        break;
      }
      case 'left': {
        const leaver = members[0];
        if (!conv) return;
        if (leaver && leaver.id === me?.id) {
          // Left on another device (leaving here already removed it).
          if (s.openId === conv.id)
            this.notify('info', `You left ${displayName(conv, me)} on another device.`);
          this.forget(f.conversation);
        } else {
          if (conv.members) conv.members = conv.members.filter((m) => m.id !== leaver?.id);
          if (s.presence.get(conv.id) === undefined) conv.memberCount = Math.max(1, conv.memberCount - 1);
        }
        break;
      }
      case 'read':
        if (conv && f.readSeq !== undefined) {
          readUpTo(conv, f.readSeq);
          // Read part of the way on another device: the server knows which mentions are left.
          if (conv.unreadMentions > 0) void this.refreshConversation(conv.id);
        }
        break;
      case 'removed':
        // Sent to the removed user only: the conversation stays, read-only, with its history up to here.
        if (!conv) return;
        conv.removed = true;
        conv.memberCount = Math.max(1, conv.memberCount - 1);
        this.notify('info', `You were removed from ${displayName(conv, me)}.`);
        break;
      case 'dissolved':
        if (!conv) return;
        conv.dissolved = true;
        if (s.openId === conv.id) this.notify('info', `${displayName(conv, me)} was dissolved.`);
        break;
      case 'updated':
        if (conv && f.name) conv.name = f.name;
        break;
    }
    this.store.update();
  }

  private onPresence(p: RoomPresenceFrame): void {
    this.store.update((s) => {
      s.presence.set(p.conversation, {
        online: p.online,
        members: p.members,
        onlineMembers: p.onlineMembers,
      });
      const conv = s.conversations.get(p.conversation);
      if (conv) conv.memberCount = p.members;
    });
  }

  // ---------- list ----------

  /** Applies a fetched list; `mark` is the clock when the fetch started (what changed since is kept). */
  private applyList(list: ConversationSummary[], mark: number): void {
    this.store.update((s) => {
      // Conversations without messages keep the server's order: they inherit the previous entry's activity.
      let prev = Date.now();
      const seen = new Set<string>();
      for (const summary of list) {
        const activity = summary.lastMessage?.at ?? prev;
        prev = Math.min(prev, activity);
        seen.add(summary.id);
        s.conversations.set(summary.id, mergeSummary(s.conversations.get(summary.id), summary, activity));
      }
      // Conversations the server no longer lists for us (left on another device) go away, unless an
      // event added them after the list was made; one the user was removed from stays, read-only.
      if (list.length < 500) {
        for (const [id, conv] of [...s.conversations]) {
          if (!seen.has(id) && !conv.removed && (this.touched.get(id) ?? 0) <= mark) this.forget(id, false);
        }
      }
      s.listLoaded = true;
    });
  }

  async refreshList(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const mark = this.clock;
    try {
      this.applyList(await client.conversations(), mark);
    } catch (error) {
      if (isAuthError(error)) return this.endSession('Your session has ended. Log in again.');
      this.notify('error', `Could not refresh your conversations: ${describeError(error)}`);
    }
  }

  private async refreshConversation(id: string): Promise<void> {
    const client = this.client;
    if (!client || this.fetching.has(id)) return;
    this.fetching.add(id);
    try {
      const summary = await client.conversation(id);
      this.store.update((s) =>
        s.conversations.set(id, mergeSummary(s.conversations.get(id), summary, Date.now())),
      );
    } catch {
      /* the placeholder stays; the next list refresh fixes it */
    } finally {
      this.fetching.delete(id);
    }
  }

  private forget(id: string, update = true): void {
    const s = this.store.state;
    s.conversations.delete(id);
    s.timelines.delete(id);
    s.presence.delete(id);
    s.groups.delete(id);
    for (const [k, p] of s.pending) if (p.conversation === id) s.pending.delete(k);
    if (s.openId === id) s.openId = undefined;
    if (update) this.store.update();
  }

  // ---------- opening and history ----------

  open(id: string | undefined): void {
    const s = this.store.state;
    if (id !== undefined && !s.conversations.has(id)) id = undefined;
    s.openId = id;
    if (id) {
      let t = s.timelines.get(id);
      if (!t) s.timelines.set(id, (t = emptyTimeline()));
      if (!t.loaded && !t.loading) this.latest.set(id, this.loadLatest(id).finally(() => this.latest.delete(id)));
      else this.markOpenRead();
    }
    this.store.update();
  }

  private async loadLatest(id: string): Promise<void> {
    const client = this.client;
    const t = this.store.state.timelines.get(id);
    if (!client || !t) return;
    t.loading = true;
    t.error = undefined;
    this.store.update();
    try {
      const page = await client.history(id, { limit: PAGE });
      mergeMessages(t, page.messages);
      t.hasMore = page.hasMore;
      t.loaded = true;
      const conv = this.store.state.conversations.get(id);
      const last = page.messages[page.messages.length - 1];
      if (conv && last && last.seq > conv.lastSeq) {
        conv.lastSeq = last.seq;
        conv.lastMessage = { at: last.ts, preview: previewOf(last), sender: last.sender.username };
      }
    } catch (error) {
      t.error = describeError(error);
      if (error instanceof ParleyClientError && error.code === 'not_member') this.forget(id, false);
    } finally {
      t.loading = false;
      this.store.update();
    }
    this.markOpenRead();
  }

  async loadOlder(id: string): Promise<void> {
    const client = this.client;
    const t = this.store.state.timelines.get(id);
    if (!client || !t || !t.loaded || t.loadingOlder || !t.hasMore) return;
    const first = t.messages[0]?.seq;
    if (first === undefined || first <= 1) {
      t.hasMore = false;
      this.store.update();
      return;
    }
    t.loadingOlder = true;
    this.store.update();
    try {
      const page = await client.history(id, { before: first, limit: PAGE });
      mergeMessages(t, page.messages);
      t.hasMore = page.hasMore;
    } catch (error) {
      this.notify('error', `Could not load earlier messages: ${describeError(error)}`);
    } finally {
      t.loadingOlder = false;
      this.store.update();
    }
  }

  /**
   * Brings a message (a search result) into view in its conversation, which `open` has just opened: marks it
   * as found (the timeline scrolls to it and highlights it once it is drawn) and, when it is older than the
   * loaded messages, loads history back to it, a little before it too.
   */
  async reveal(id: string, seq: number): Promise<void> {
    if (!this.store.state.conversations.has(id)) {
      this.notify('error', 'That conversation is no longer in your list.');
      return;
    }
    const key = ++this.foundKey;
    this.store.update((s) => (s.found = { conversation: id, seq, key }));
    await this.latest.get(id);
    const client = this.client;
    const t = this.store.state.timelines.get(id);
    if (!client || !t?.loaded) return;
    try {
      for (let i = 0; i < 50 && this.foundKey === key; i++) {
        const first = t.messages[0]?.seq;
        if (first === undefined || first <= seq || !t.hasMore) break;
        if (t.loadingOlder) {
          // A page the scroll asked for is on its way: take it first.
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        t.loadingOlder = true;
        try {
          const page = await client.history(id, { before: first, limit: Math.min(HISTORY_MAX, first - seq + CONTEXT) });
          mergeMessages(t, page.messages);
          t.hasMore = page.hasMore;
          if (page.messages.length === 0) break;
        } finally {
          t.loadingOlder = false;
          this.store.update();
        }
      }
    } catch (error) {
      this.notify('error', `Could not load the message: ${describeError(error)}`);
      return;
    }
    if (this.foundKey === key && !t.messages.some((m) => m.seq === seq)) this.notify('info', 'That message is no longer there.');
  }

  /** Fetches whatever is missing after the last loaded message of a loaded timeline. */
  private async fillGap(id: string): Promise<void> {
    const client = this.client;
    const t = this.store.state.timelines.get(id);
    if (!client || !t || !t.loaded || this.filling.has(id)) return;
    this.filling.add(id);
    try {
      for (let i = 0; i < 20; i++) {
        // The first seq after which the loaded messages stop being contiguous.
        let after = t.messages[0]?.seq ?? 0;
        for (const m of t.messages) {
          if (m.seq > after + 1) break;
          after = m.seq;
        }
        const conv = this.store.state.conversations.get(id);
        const known = Math.max(conv?.lastSeq ?? 0, t.messages[t.messages.length - 1]?.seq ?? 0);
        if (after >= known) break;
        const page = await client.history(id, { after, limit: 200 });
        mergeMessages(t, page.messages);
        this.store.update();
        if (!page.hasMore || page.messages.length === 0) break;
      }
    } catch {
      /* the next reconnect or open retries */
    } finally {
      this.filling.delete(id);
    }
  }

  // ---------- reading ----------

  private scheduleMarkRead(): void {
    if (this.markTimer) return;
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      this.markOpenRead();
    }, 150);
  }

  /** Marks the open conversation read up to the newest message shown, while the page is visible. */
  markOpenRead(force = false): void {
    const s = this.store.state;
    const id = s.openId;
    const conv = id ? s.conversations.get(id) : undefined;
    const t = id ? s.timelines.get(id) : undefined;
    if (!id || !conv || !t?.loaded || document.visibilityState === 'hidden') return;
    const seq = Math.max(conv.lastSeq, t.messages[t.messages.length - 1]?.seq ?? 0);
    if (seq <= 0) return;
    if (conv.readSeq < seq || conv.unreadMentions > 0) {
      readUpTo(conv, seq);
      this.store.update();
    }
    // Removed from it: the server no longer takes read marks for it (not_member); it is read here only.
    if (conv.removed) return;
    if (force || (this.sentRead.get(id) ?? 0) < seq) {
      if (this.client?.state !== 'open') return;
      this.sentRead.set(id, seq);
      this.client.markRead(id, seq);
    }
  }

  // ---------- sending ----------

  /**
   * Sends a message, with the message it replies to and the mentions picked for it (a `mention` span over
   * each "@handle" still in the text); returns an error sentence when it cannot even be tried (the text
   * stays in the box).
   */
  send(conversation: string, draft: Pick<Draft, 'text'> & Partial<Draft>): string | undefined {
    const content = draft.text.replace(/^\s*\n|\s+$/g, '');
    if (!content.trim()) return undefined;
    const size = utf8Length(content);
    const max = this.store.state.maxContentBytes;
    if (size > max)
      return `This message is ${size} bytes; the limit is ${max}. Shorten it or split it into several messages.`;
    const { mentions, spans } = mentionsIn(content, draft.picked ?? new Map());
    this.queue(conversation, content, {
      ...(spans.length ? { kind: 'text', body: { spans } } : {}),
      ...(draft.reply ? { replyTo: draft.reply.seq } : {}),
      ...(mentions.length ? { mentions } : {}),
    });
    return undefined;
  }

  /**
   * Sends an uploaded file as a message of its kind: `content` is its caption (or "[Image] name"), the body
   * names the upload's `ref` (the server puts the file's description in its place).
   */
  sendAttachment(conversation: string, kind: AttachmentKind, content: string, ref: string, extras: Pick<MessageExtras, 'replyTo' | 'mentions'> = {}): void {
    this.queue(conversation, content, { kind, body: { attachment: ref }, ...extras });
  }

  /** Shows a message as pending and sends it (see transmit). */
  private queue(conversation: string, content: string, extras: MessageExtras): void {
    const clientMsgId = randomId();
    this.store.update((s) =>
      s.pending.set(clientMsgId, {
        clientMsgId,
        conversation,
        content,
        extras,
        createdAt: Date.now(),
        status: 'sending',
        error: undefined,
      }),
    );
    this.transmit(clientMsgId);
  }

  retry(clientMsgId: string): void {
    const p = this.store.state.pending.get(clientMsgId);
    if (!p) return;
    this.store.update(() => {
      p.status = 'sending';
      p.error = undefined;
    });
    this.transmit(clientMsgId);
  }

  discard(clientMsgId: string): void {
    this.store.update((s) => s.pending.delete(clientMsgId));
  }

  private transmit(clientMsgId: string): void {
    const p = this.store.state.pending.get(clientMsgId);
    const client = this.client;
    if (!p) return;
    if (!client) {
      p.status = 'failed';
      p.error = 'Not connected. Reload the page and try again.';
      this.store.update();
      return;
    }
    client.send(p.conversation, p.content, { clientMsgId, ...p.extras }).then(
      () => this.store.update((s) => s.pending.delete(clientMsgId)),
      (error: unknown) =>
        this.store.update(() => {
          p.status = 'failed';
          p.error = describeError(error);
        }),
    );
  }

  // ---------- conversations ----------

  private adopt(summary: ConversationSummary): void {
    this.touched.set(summary.id, ++this.clock);
    this.store.update((s) =>
      s.conversations.set(summary.id, mergeSummary(s.conversations.get(summary.id), summary, Date.now())),
    );
  }

  private need(): ParleyClient {
    if (!this.client) throw new ParleyClientError('closed', 'Not connected');
    return this.client;
  }

  async startDirect(username: string): Promise<string> {
    const summary = await this.need().openDirect(username);
    this.adopt(summary);
    return summary.id;
  }

  async createGroup(name: string, members: string[], joinPolicy?: JoinPolicy): Promise<string> {
    const summary = await this.need().createGroup(name, members, joinPolicy ? { joinPolicy } : {});
    this.adopt(summary);
    return summary.id;
  }

  /** Joins a group: its id when in, or undefined when a request (with `note`) waits for an admin. */
  async joinGroup(id: string, note?: string): Promise<string | undefined> {
    return this.joined(await this.need().requestJoin(id, note));
  }

  /** Takes in the conversation of a join or an accepted invitation: its id, or undefined while it waits for an admin. */
  joined(outcome: JoinOutcome): string | undefined {
    if (outcome.status === 'pending') return undefined;
    this.adopt(outcome.conversation);
    return outcome.conversation.id;
  }

  async joinByLink(code: string): Promise<string> {
    const summary = await this.need().joinByLink(code);
    this.adopt(summary);
    return summary.id;
  }

  async joinRoom(name: string): Promise<string> {
    const summary = await this.need().joinRoom(name);
    this.adopt(summary);
    return summary.id;
  }

  async addMembers(id: string, usernames: string[]): Promise<User[]> {
    const added = await this.need().addMembers(id, usernames);
    void this.refreshConversation(id);
    return added;
  }

  async leave(id: string): Promise<void> {
    await this.need().leave(id);
    this.forget(id);
  }

  members(id: string): Promise<Member[]> {
    return this.need().members(id);
  }

  /** Members of a group or room to mention: handle or name containing `query`, the user left out. */
  async mentionCandidates(id: string, query: string): Promise<MentionCandidate[]> {
    const me = this.store.state.me?.id;
    const page = await this.need().groupMembers(id, { q: query || undefined, limit: 9 });
    return page.members.filter((m) => m.id !== me).slice(0, 8).map((m) => ({ id: m.id, username: m.username, displayName: m.displayName }));
  }

  /**
   * The message `seq` of a conversation, for a reply's quote: from its loaded timeline, else fetched once
   * ('loading' until then; 'unavailable' when it cannot be read, e.g. from after the user left).
   */
  quote(conversation: string, seq: number): Quoted {
    const s = this.store.state;
    const loaded = s.timelines.get(conversation)?.messages.find((m) => m.seq === seq);
    if (loaded) return loaded;
    const key = quoteKey(conversation, seq);
    const known = s.quotes.get(key);
    if (known) return known;
    s.quotes.set(key, 'loading');
    const client = this.client;
    if (!client) {
      s.quotes.delete(key);
      return 'loading';
    }
    client.message(conversation, seq).then(
      (m) => this.store.update((st) => st.quotes.set(key, m)),
      (error: unknown) =>
        this.store.update((st) => {
          // A passing failure is asked again on the next render; one the server means stays.
          if (error instanceof ParleyClientError && error.status !== undefined && error.status < 500) st.quotes.set(key, 'unavailable');
          else st.quotes.delete(key);
        }),
    );
    return 'loading';
  }

  /** A profile for a contact card, looked up once ('loading' until then, 'unavailable' when there is none). */
  card(id: string): Card {
    const s = this.store.state;
    const known = s.cards.get(id);
    if (known) return known;
    const client = this.client;
    if (!client) return 'loading';
    s.cards.set(id, 'loading');
    client.getProfile(id).then(
      (r) => this.store.update((st) => st.cards.set(id, r.profile)),
      (error: unknown) =>
        this.store.update((st) => {
          if (error instanceof ParleyClientError && error.status !== undefined && error.status < 500) st.cards.set(id, 'unavailable');
          else st.cards.delete(id);
        }),
    );
    return 'loading';
  }

  /** Handles starting with `prefix`, for the username pickers. */
  async searchUsers(prefix: string): Promise<User[]> {
    return (await this.need().searchUsers(prefix, { limit: 20 })).users;
  }

  /** The connected client, for the controllers beside this one (see ChatOptions.attach). */
  get api(): ParleyClient {
    return this.need();
  }

  /** Forgets a conversation locally (hidden on another device, or left). */
  drop(id: string): void {
    this.forget(id);
  }

  // ---------- notices ----------

  notify(kind: 'error' | 'info', text: string): void {
    const id = ++this.noticeSeq;
    this.store.update((s) => {
      s.notices = [...s.notices.filter((n) => n.text !== text), { id, kind, text }].slice(-3);
    });
    setTimeout(() => this.dismiss(id), kind === 'error' ? 9000 : 4000);
  }

  dismiss(id: number): void {
    this.store.update((s) => {
      s.notices = s.notices.filter((n) => n.id !== id);
    });
  }
}

function kindOf(id: string): ConversationKind {
  return id.startsWith('d.') ? 'direct' : id.startsWith('r.') ? 'room' : 'group';
}

function placeholder(id: string, ts: number): Conversation {
  const kind = kindOf(id);
  return {
    id,
    kind,
    name: kind === 'room' ? id.slice(2) : '',
    members: undefined,
    memberCount: 1,
    lastSeq: 0,
    readSeq: 0,
    unreadMentions: 0,
    lastMessage: null,
    activity: ts,
    settings: NO_SETTINGS,
    role: undefined,
    dissolved: false,
    removed: false,
  };
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
