import { h, setText } from '../dom.js';
import { readCount, tickState, type ConversationReceipts, type TickState } from '../receipt-marks.js';
import { otherMember, type AppState, type Conversation } from '../state.js';

/** What the receipt marks of one conversation's own messages are drawn from. */
export type ReceiptView =
  | { kind: 'direct'; receipts: ConversationReceipts | undefined; partner: string | undefined }
  | { kind: 'group'; receipts: ConversationReceipts; me: string | undefined };

const TICKS: Record<TickState, { text: string; title: string }> = {
  sent: { text: '✓', title: 'Sent' },
  delivered: { text: '✓✓', title: 'Delivered' },
  read: { text: '✓✓', title: 'Read' },
};

/**
 * Ticks in a direct conversation (only "sent" while either side keeps read receipts to themselves);
 * "Read by N" in a group while the user shares receipts; nothing in rooms.
 */
export function receiptViewOf(state: AppState, conv: Conversation): ReceiptView | undefined {
  const r = state.receipts.get(conv.id);
  const shared = state.profile?.readReceipts !== false && r?.shared !== false;
  if (conv.kind === 'direct') return { kind: 'direct', receipts: shared ? r : undefined, partner: otherMember(conv, state.me)?.id };
  if (conv.kind === 'group' && shared && r?.loaded) return { kind: 'group', receipts: r, me: state.me?.id };
  return undefined;
}

/** An own message's receipt slot (`.msg-receipt`, empty until patched). */
export function receiptSlot(): HTMLElement {
  return h('span', { class: 'msg-receipt' });
}

/** Brings the receipt slot of own message `seq` up to date; `openReaders` lists who read it (groups). */
export function patchReceipt(slot: HTMLElement, seq: number, view: ReceiptView | undefined, openReaders: (seq: number) => void): void {
  if (!view) {
    if (slot.firstChild) slot.replaceChildren();
    return;
  }
  if (view.kind === 'direct') {
    let tick = slot.querySelector<HTMLElement>('.tick');
    if (!tick) slot.replaceChildren((tick = h('span', { class: 'tick', testid: 'tick', role: 'img' })));
    const state = tickState(view.receipts, view.partner, seq);
    if (tick.dataset['state'] === state) return;
    tick.dataset['state'] = state;
    tick.textContent = TICKS[state].text;
    tick.title = TICKS[state].title;
    tick.setAttribute('aria-label', TICKS[state].title);
    return;
  }
  let count = slot.querySelector<HTMLButtonElement>('.read-count');
  if (!count) {
    count = h('button', { class: 'link-btn read-count', type: 'button', testid: 'read-count', title: 'Who read it', onclick: () => openReaders(seq) });
    slot.replaceChildren(count);
  }
  const n = readCount(view.receipts, view.me, seq);
  count.dataset['count'] = String(n);
  setText(count, `Read by ${n}`);
}
