import { systemEntryText, type MessageFrame } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { formatDay, formatFull, formatTime, startOfDay } from '../format.js';
import { icon } from '../icons.js';
import { mentionsMe, previewOf, type AppState, type Card, type Conversation, type PendingMessage, type Quoted, type Timeline } from '../state.js';
import { avatar } from './common.js';
import { messageBody, type BodyContext } from './message-body.js';

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
}

/** What rendering one item needs besides the item. */
interface RenderContext extends BodyContext {
  readonly conversation: string;
  readonly showSender: boolean;
  readonly handlers: TimelineHandlers;
}

type Item =
  | { key: string; type: 'day'; day: number }
  | { key: string; type: 'message'; m: MessageFrame; own: boolean; cont: boolean }
  | { key: string; type: 'system'; m: MessageFrame; text: string }
  | { key: string; type: 'pending'; p: PendingMessage; cont: boolean };

/** Messages run together when the same person writes again within this long. */
const RUN_MS = 5 * 60_000;

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
  /** Parts of rendered messages still waiting for a look-up (a quote, a contact card), patched on each update. */
  private late: Array<() => boolean> = [];
  private conversationId: string | undefined;
  private hasMore = false;
  private loadingOlder = false;

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
    const switched = this.conversationId !== conv.id;
    if (switched) {
      this.list.replaceChildren();
      this.nodes.clear();
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
      later: (patch) => late.push(patch),
    };
    this.late = this.late.filter((patch) => !patch());
    const items = buildItems(state, conv, t);
    const keep = new Set(items.map((i) => i.key));
    for (const [key, node] of this.nodes) {
      if (!keep.has(key)) {
        node.remove();
        this.nodes.delete(key);
      }
    }
    let prev: Element | null = null;
    let appendedOwn = false;
    for (const item of items) {
      let node = this.nodes.get(item.key);
      if (!node) {
        node = render(item, ctx);
        this.nodes.set(item.key, node);
        if (item.type === 'pending') appendedOwn = true;
      } else if (item.type === 'pending') {
        patchPending(node, item.p);
      }
      if (item.type === 'message' || item.type === 'pending') node.classList.toggle('cont', item.cont);
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
    const reply = h(
      'button',
      { class: 'icon-btn msg-action', type: 'button', title: 'Reply', 'aria-label': 'Reply', testid: 'message-reply', onclick: () => handlers.reply(m) },
      icon('reply', 16),
    );
    return h(
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
      },
      others ? avatar(m.sender.username, 'sm') : null,
      h(
        'div',
        { class: 'bubble' },
        others ? h('div', { class: 'msg-sender', testid: 'message-sender' }, m.sender.username) : null,
        m.replyTo ? quote(m.replyTo, ctx) : null,
        messageBody(m, ctx),
        h('div', { class: 'msg-meta' }, time),
      ),
      reply,
    );
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
