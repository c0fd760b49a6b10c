import { systemEntryText, type MessageFrame } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { formatDay, formatFull, formatTime, startOfDay } from '../format.js';
import type { AppState, Conversation, PendingMessage, Timeline } from '../state.js';
import { avatar } from './common.js';

export interface TimelineHandlers {
  loadOlder(id: string): void;
  retry(clientMsgId: string): void;
  discard(clientMsgId: string): void;
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

    const showSender = conv.kind !== 'direct';
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
        node = render(item, showSender, this.handlers);
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

function render(item: Item, showSender: boolean, handlers: TimelineHandlers): HTMLElement {
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
    const others = showSender && !own;
    return h(
      'li',
      {
        class: `msg ${own ? 'own' : 'other'}`,
        testid: 'message',
        'data-seq': m.seq,
        'data-own': String(own),
        'data-status': 'sent',
        'data-sender': m.sender.username,
      },
      others ? avatar(m.sender.username, 'sm') : null,
      h(
        'div',
        { class: 'bubble' },
        others ? h('div', { class: 'msg-sender', testid: 'message-sender' }, m.sender.username) : null,
        h('div', { class: 'msg-text', testid: 'message-text' }, m.content),
        h('div', { class: 'msg-meta' }, time),
      ),
    );
  }
  const { p } = item;
  const node = h(
    'li',
    { class: 'msg own pending', testid: 'message', 'data-own': 'true', 'data-client-msg-id': p.clientMsgId },
    h(
      'div',
      { class: 'bubble' },
      h('div', { class: 'msg-text', testid: 'message-text' }, p.content),
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
