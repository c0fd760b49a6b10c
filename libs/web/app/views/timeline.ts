import { messageChangeOf, systemEntryText, type AttachmentVariant, type ChatMessage, type MessageFrame } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { formatDay, formatFull, formatTime, startOfDay } from '../format.js';
import { icon } from '../icons.js';
import { mentionsMe, previewOf, type AppState, type Card, type Conversation, type PendingMessage, type Quoted, type Timeline } from '../state.js';
import { avatar } from './common.js';
import { messageBody, type BodyContext } from './message-body.js';
import { patchReceipt, receiptSlot, receiptViewOf } from './receipt-mark.js';

export interface TimelineHandlers {
  loadOlder(id: string): void;
  retry(clientMsgId: string): void;
  discard(clientMsgId: string): void;
  /** The Reply action of a message: the composer quotes it. */
  reply(m: MessageFrame): void;
  /** The message a reply quotes: from the timeline, else fetched ('loading' until then). */
  quote(conversation: string, seq: number): Quoted;
  /** The profile a contact card shows ('loading' until looked up). */
  card(id: string): Card;
  /** A download URL of a message's file (see AttachmentUrls). */
  attachmentUrl(conversation: string, seq: number, variant: AttachmentVariant, fresh?: boolean): Promise<string>;
  /** Opens a message's menu under `anchor`; its Edit runs `edit` (the inline editor). */
  menu(anchor: HTMLElement, m: ChatMessage, edit: () => void): void;
  /** Adds the user's reaction `emoji`, or takes it back. */
  react(m: ChatMessage, emoji: string): void;
  /** Saves an edit; rejects with what to show in the editor. */
  saveEdit(m: ChatMessage, content: string): Promise<void>;
  /** Lists who has read message `seq` of a group (its "Read by N" was clicked). */
  readers(conversation: string, seq: number): void;
}

/** What rendering one item needs besides the item. */
interface RenderContext extends BodyContext {
  readonly conversation: string;
  readonly showSender: boolean;
  readonly handlers: TimelineHandlers;
  /** Draws the timeline again (an editor closed: the message may have changed meanwhile). */
  readonly refresh: () => void;
}

type Item =
  | { key: string; type: 'day'; day: number }
  | { key: string; type: 'message'; m: ChatMessage; own: boolean; cont: boolean }
  | { key: string; type: 'system'; m: ChatMessage; text: string }
  | { key: string; type: 'pending'; p: PendingMessage; cont: boolean };

/** Messages run together when the same person writes again within this long. */
const RUN_MS = 5 * 60_000;
/** How long a message brought into view by a search stays marked (data-found). */
const FOUND_MS = 4000;

/** The scrolling message list of the open conversation, updated in place (keyed by seq / clientMsgId). */
export class TimelineView {
  readonly el: HTMLElement;
  private readonly list = h('ol', {
    class: 'messages',
    testid: 'message-list',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
  });
  private readonly loadEarlier: HTMLButtonElement;
  private readonly status = h('div', { class: 'timeline-status', testid: 'timeline-status', hidden: true });
  private readonly beginning = h('div', { class: 'timeline-start', testid: 'timeline-start', hidden: true });
  private readonly nodes = new Map<string, HTMLElement>();
  /** The message each node shows: a changed message (a new object) is rendered again. */
  private readonly shown = new Map<string, ChatMessage>();
  /** Parts of rendered messages still waiting for a look-up (a quote, a contact card), patched on each update. */
  private late: Array<() => boolean> = [];
  private conversationId: string | undefined;
  private lastDrawn: [AppState, Conversation, Timeline] | undefined;
  private hasMore = false;
  private loadingOlder = false;
  /** The `found` key last brought into view, and the timer that unmarks it. */
  private foundKey: number | undefined;
  private foundTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly handlers: TimelineHandlers) {
    this.loadEarlier = h(
      'button',
      { class: 'btn btn-ghost load-earlier', type: 'button', testid: 'load-earlier', hidden: true },
      'Load earlier messages',
    );
    this.loadEarlier.addEventListener(
      'click',
      () => this.conversationId && this.handlers.loadOlder(this.conversationId),
    );
    this.el = h(
      'div',
      { class: 'timeline', testid: 'timeline' },
      h('div', { class: 'timeline-top' }, this.beginning, this.loadEarlier),
      this.list,
      this.status,
    );
    this.el.addEventListener(
      'scroll',
      () => {
        if (this.el.scrollTop < 120 && this.hasMore && !this.loadingOlder && this.conversationId)
          this.handlers.loadOlder(this.conversationId);
      },
      { passive: true },
    );
  }

  update(state: AppState, conv: Conversation, t: Timeline): void {
    this.lastDrawn = [state, conv, t];
    const switched = this.conversationId !== conv.id;
    if (switched) {
      this.list.replaceChildren();
      this.nodes.clear();
      this.shown.clear();
      this.late = [];
      this.conversationId = conv.id;
    }
    const el = this.el;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    const prevHeight = el.scrollHeight;
    const prevTop = el.scrollTop;
    const prevFirst = this.list.querySelector('[data-seq]')?.getAttribute('data-seq');
    const prevCount = this.nodes.size;

    this.hasMore = t.loaded && t.hasMore;
    this.loadingOlder = t.loadingOlder;
    this.loadEarlier.hidden = !this.hasMore;
    this.loadEarlier.disabled = t.loadingOlder;
    setText(this.loadEarlier, t.loadingOlder ? 'Loading…' : 'Load earlier messages');
    this.beginning.hidden = !t.loaded || t.hasMore;
    setText(
      this.beginning,
      t.messages.length ? 'This is the beginning of the conversation.' : 'No messages yet. Say hello!',
    );

    const statusText = t.error ? t.error : t.loading && !t.loaded ? 'Loading messages…' : '';
    this.status.hidden = !statusText;
    setText(this.status, statusText);
    this.status.classList.toggle('error', !!t.error);

    const late: Array<() => boolean> = [];
    const ctx: RenderContext = {
      conversation: conv.id,
      showSender: conv.kind !== 'direct',
      handlers: this.handlers,
      me: state.me?.id,
      card: (id) => this.handlers.card(id),
      attachmentUrl: (c, seq, variant, fresh) => this.handlers.attachmentUrl(c, seq, variant, fresh),
      later: (patch) => late.push(patch),
      refresh: () => {
        const last = this.lastDrawn;
        if (last && last[1].id === this.conversationId) this.update(...last);
      },
    };
    this.late = this.late.filter((patch) => !patch());
    const items = buildItems(state, conv, t);
    const keep = new Set(items.map((i) => i.key));
    for (const [key, node] of this.nodes) {
      if (!keep.has(key)) {
        node.remove();
        this.nodes.delete(key);
        this.shown.delete(key);
      }
    }
    let prev: Element | null = null;
    let appendedOwn = false;
    const receipts = receiptViewOf(state, conv);
    const openReaders = (seq: number): void => this.handlers.readers(conv.id, seq);
    for (const item of items) {
      let node = this.nodes.get(item.key);
      const m = item.type === 'message' || item.type === 'system' ? item.m : undefined;
      if (node && m && this.shown.get(item.key) !== m && !node.querySelector('.msg-editor')) {
        // Recalled, edited, pinned or reacted to since: drawn again in place (not while being edited).
        const fresh = render(item, ctx);
        node.replaceWith(fresh);
        node = fresh;
        this.nodes.set(item.key, node);
        this.shown.set(item.key, m);
      }
      if (!node) {
        node = render(item, ctx);
        this.nodes.set(item.key, node);
        if (m) this.shown.set(item.key, m);
        if (item.type === 'pending') appendedOwn = true;
      } else if (item.type === 'pending') {
        patchPending(node, item.p);
      }
      if (item.type === 'message' || item.type === 'pending') node.classList.toggle('cont', item.cont);
      if (item.type === 'message' && item.own) {
        // Receipts move without the message changing: patched in place on every update.
        const slot = node.querySelector<HTMLElement>('.msg-receipt');
        if (slot) patchReceipt(slot, item.m.seq, item.m.recalled ? undefined : receipts, openReaders);
      }
      const expected: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (expected !== node) this.list.insertBefore(node, expected);
      prev = node;
    }
    this.late.push(...late);

    const firstNow = this.list.querySelector('[data-seq]')?.getAttribute('data-seq');
    if (switched || (prevCount === 0 && this.nodes.size > 0)) {
      el.scrollTop = el.scrollHeight;
    } else if (prevFirst && firstNow !== prevFirst && Number(firstNow) < Number(prevFirst)) {
      // Older messages were put on top: keep what the user was looking at in place.
      el.scrollTop = prevTop + (el.scrollHeight - prevHeight);
    } else if (atBottom || appendedOwn) {
      el.scrollTop = el.scrollHeight;
    }
    this.showFound(state.found, conv.id);
  }

  /** Scrolls to the message a search found once it is drawn, and marks it for a few seconds. */
  private showFound(found: AppState['found'], conversation: string): void {
    if (!found || found.conversation !== conversation || found.key === this.foundKey) return;
    const node = this.list.querySelector<HTMLElement>(`[data-testid="message"][data-seq="${found.seq}"]`);
    if (!node) return;
    this.foundKey = found.key;
    for (const marked of this.list.querySelectorAll<HTMLElement>('[data-found]')) delete marked.dataset['found'];
    node.dataset['found'] = 'true';
    node.scrollIntoView({ block: 'center' });
    clearTimeout(this.foundTimer);
    this.foundTimer = setTimeout(() => delete node.dataset['found'], FOUND_MS);
  }
}

function buildItems(state: AppState, conv: Conversation, t: Timeline): Item[] {
  const me = state.me?.id;
  const items: Item[] = [];
  let day = -1;
  let lastSender = '';
  let lastTs = 0;
  const push = (ts: number, sender: string): boolean => {
    const d = startOfDay(ts);
    if (d !== day) {
      day = d;
      items.push({ key: `d:${d}`, type: 'day', day: d });
      lastSender = '';
    }
    const cont = sender === lastSender && ts - lastTs < RUN_MS;
    lastSender = sender;
    lastTs = ts;
    return cont;
  };
  for (const m of t.messages) {
    // A change to an earlier message shows on that message; pins also get a line of their own.
    const change = messageChangeOf(m);
    if (change && change.event !== 'pinned' && change.event !== 'unpinned') continue;
    const text = systemEntryText(m);
    if (text !== undefined) {
      // A change to the group: a line of its own, and the next message starts a new run.
      push(m.ts, '');
      lastSender = '';
      items.push({ key: `m:${m.seq}`, type: 'system', m, text });
      continue;
    }
    const cont = push(m.ts, m.sender.id);
    items.push({ key: `m:${m.seq}`, type: 'message', m, own: m.sender.id === me, cont });
  }
  for (const p of state.pending.values()) {
    if (p.conversation !== conv.id) continue;
    const cont = push(Math.max(p.createdAt, lastTs), me ?? '');
    items.push({ key: `p:${p.clientMsgId}`, type: 'pending', p, cont });
  }
  return items;
}

function render(item: Item, ctx: RenderContext): HTMLElement {
  const { handlers } = ctx;
  if (item.type === 'day') {
    return h(
      'li',
      { class: 'day-sep', testid: 'day-separator', role: 'separator' },
      h('span', {}, formatDay(item.day)),
    );
  }
  if (item.type === 'system') {
    return h(
      'li',
      { class: 'system-entry', testid: 'system-entry', 'data-seq': item.m.seq, title: formatFull(item.m.ts) },
      h('span', {}, item.text),
    );
  }
  if (item.type === 'message') {
    const { m, own } = item;
    const time = h(
      'time',
      {
        class: 'msg-time',
        testid: 'message-time',
        datetime: new Date(m.ts).toISOString(),
        title: formatFull(m.ts),
      },
      formatTime(m.ts),
    );
    const others = ctx.showSender && !own;
    const mentioned = !own && mentionsMe(m, ctx.me);
    const reply = m.recalled
      ? null
      : h(
          'button',
          { class: 'icon-btn msg-action', type: 'button', title: 'Reply', 'aria-label': 'Reply', testid: 'message-reply', onclick: () => handlers.reply(m) },
          icon('reply', 16),
        );
    const more = h('button', { class: 'icon-btn msg-action', type: 'button', title: 'More', 'aria-label': 'Message actions', 'aria-haspopup': 'menu', testid: 'message-more' }, icon('more', 16));
    const node: HTMLElement = h(
      'li',
      {
        class: `msg ${own ? 'own' : 'other'}${mentioned ? ' mentioned' : ''}`,
        testid: 'message',
        'data-seq': m.seq,
        'data-own': String(own),
        'data-status': 'sent',
        'data-sender': m.sender.username,
        'data-kind': m.kind,
        'data-mentioned': mentioned ? 'true' : undefined,
        'data-reply-to': m.replyTo || undefined,
        'data-recalled': m.recalled ? 'true' : undefined,
        'data-edited': m.editedAt ? 'true' : undefined,
        'data-pinned': m.pinned ? 'true' : undefined,
        'data-forwarded': m.forwarded ? 'true' : undefined,
      },
      others ? avatar(m.sender.username, 'sm') : null,
      h(
        'div',
        { class: 'bubble' },
        others ? h('div', { class: 'msg-sender', testid: 'message-sender' }, m.sender.username) : null,
        m.forwarded && !m.recalled ? h('div', { class: 'msg-forwarded', testid: 'message-forwarded' }, icon('forward', 12), 'Forwarded') : null,
        m.replyTo && !m.recalled ? quote(m.replyTo, ctx) : null,
        m.recalled ? h('div', { class: 'msg-recalled', testid: 'message-recalled' }, 'message recalled') : messageBody(m, ctx),
        m.reactions?.length && !m.recalled ? reactions(m, ctx) : null,
        h(
          'div',
          { class: 'msg-meta' },
          m.pinned ? h('span', { class: 'msg-pinned', testid: 'message-pinned', title: 'Pinned' }, icon('pin', 12)) : null,
          m.editedAt && !m.recalled ? h('span', { class: 'msg-edited', testid: 'message-edited', title: `Edited ${formatFull(m.editedAt)}` }, 'edited') : null,
          time,
          own ? receiptSlot() : null,
        ),
      ),
      h('div', { class: 'msg-actions' }, reply, more),
    );
    more.addEventListener('click', () => handlers.menu(more, m, () => editInline(node, m, ctx)));
    return node;
  }
  const { p } = item;
  const node = h(
    'li',
    { class: 'msg own pending', testid: 'message', 'data-own': 'true', 'data-client-msg-id': p.clientMsgId, 'data-kind': p.extras.kind ?? 'text' },
    h(
      'div',
      { class: 'bubble' },
      p.extras.replyTo ? quote(p.extras.replyTo, ctx) : null,
      messageBody({ kind: p.extras.kind ?? 'text', content: p.content, body: p.extras.body as MessageFrame['body'] }, ctx),
      h('div', { class: 'msg-meta' }, h('span', { class: 'msg-state', testid: 'message-state' })),
    ),
    h(
      'div',
      { class: 'msg-error', testid: 'message-error', role: 'alert' },
      h('span', { class: 'msg-error-text' }),
      h(
        'button',
        {
          class: 'link-btn',
          type: 'button',
          testid: 'message-retry',
          onclick: () => handlers.retry(p.clientMsgId),
        },
        'Retry',
      ),
      h(
        'button',
        {
          class: 'link-btn',
          type: 'button',
          testid: 'message-discard',
          onclick: () => handlers.discard(p.clientMsgId),
        },
        'Discard',
      ),
    ),
  );
  patchPending(node, p);
  return node;
}

/**
 * The message a reply quotes: its sender and text, from the timeline or fetched; "unavailable" when it
 * cannot be read (not found, or from before the reader joined or after they left). Clicking it shows the
 * original when it is loaded.
 */
function quote(seq: number, ctx: RenderContext): HTMLElement {
  const sender = h('span', { class: 'msg-quote-sender', testid: 'message-quote-sender' });
  const text = h('span', { class: 'msg-quote-text', testid: 'message-quote-text' });
  const el = h('button', { class: 'msg-quote', type: 'button', testid: 'message-quote', 'data-reply-to': seq, title: 'Show the original message' }, sender, text);
  el.addEventListener('click', () => {
    const original = el.closest('.messages')?.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
    if (!original) return;
    original.scrollIntoView({ block: 'center', behavior: 'smooth' });
    original.classList.remove('flash');
    void original.offsetWidth;
    original.classList.add('flash');
  });
  const fill = (): boolean => {
    const q = ctx.handlers.quote(ctx.conversation, seq);
    el.dataset['state'] = typeof q === 'string' ? q : 'loaded';
    if (q === 'loading') {
      setText(text, 'Loading…');
      return false;
    }
    if (q === 'unavailable') {
      setText(sender, '');
      setText(text, 'The quoted message is unavailable.');
      return true;
    }
    setText(sender, q.sender.username);
    setText(text, previewOf(q));
    return true;
  };
  if (!fill()) ctx.later(fill);
  return el;
}

/** The reaction chips under a message: each emoji with its count; the user's own pressed; a click toggles it. */
function reactions(m: ChatMessage, ctx: RenderContext): HTMLElement {
  const row = h('div', { class: 'msg-reactions', testid: 'message-reactions' });
  for (const r of m.reactions ?? []) {
    const mine = !!ctx.me && r.userIds.includes(ctx.me);
    row.append(
      h(
        'button',
        {
          class: `reaction${mine ? ' mine' : ''}`,
          type: 'button',
          testid: 'reaction',
          'data-emoji': r.emoji,
          'data-count': r.count,
          'data-mine': String(mine),
          'aria-pressed': String(mine),
          title: mine ? `Take back ${r.emoji}` : `React ${r.emoji}`,
          onclick: () => ctx.handlers.react(m, r.emoji),
        },
        h('span', { class: 'reaction-emoji' }, r.emoji),
        h('span', { class: 'reaction-count', testid: 'reaction-count' }, String(r.count)),
      ),
    );
  }
  return row;
}

/** Swaps a message's text for an editor: Enter or Save saves, Escape or Cancel puts the text back. */
function editInline(node: HTMLElement, m: ChatMessage, ctx: RenderContext): void {
  const text = node.querySelector<HTMLElement>('.msg-text');
  if (!text || node.querySelector('.msg-editor')) return;
  const input = h('textarea', { class: 'msg-edit-input', testid: 'message-edit-input', rows: 2, 'aria-label': 'Edit message' });
  input.value = m.content;
  const error = h('p', { class: 'form-error', testid: 'message-edit-error', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn btn-primary btn-sm', type: 'button', testid: 'message-edit-save' }, 'Save');
  const cancel = h('button', { class: 'btn btn-sm', type: 'button', testid: 'message-edit-cancel' }, 'Cancel');
  const editor = h('div', { class: 'msg-editor', testid: 'message-editor' }, input, error, h('div', { class: 'msg-editor-actions' }, cancel, save));
  const close = (): void => {
    editor.replaceWith(text);
    ctx.refresh();
  };
  const submit = (): void => {
    const content = input.value.trim();
    if (!content || content === m.content) return close();
    save.disabled = true;
    ctx.handlers.saveEdit(m, content).then(close, (e: unknown) => {
      save.disabled = false;
      error.hidden = false;
      error.textContent = e instanceof Error ? e.message : String(e);
    });
  };
  save.addEventListener('click', submit);
  cancel.addEventListener('click', close);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      submit();
    } else if (ev.key === 'Escape') {
      ev.stopPropagation();
      close();
    }
  });
  text.replaceWith(editor);
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
}

function patchPending(node: HTMLElement, p: PendingMessage): void {
  node.dataset['status'] = p.status === 'failed' ? 'failed' : 'sending';
  node.classList.toggle('failed', p.status === 'failed');
  const state = node.querySelector('.msg-state');
  if (state) setText(state, p.status === 'failed' ? 'Not sent' : 'Sending…');
  const err = node.querySelector<HTMLElement>('.msg-error');
  if (err) err.hidden = p.status !== 'failed';
  const text = node.querySelector('.msg-error-text');
  if (text) setText(text, p.error ?? '');
}
