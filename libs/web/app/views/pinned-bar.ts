import type { Pin } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { icon } from '../icons.js';
import { isAdmin, previewOf, roleIn, type AppState, type Conversation, type Quoted } from '../state.js';
import { openDialog } from './dialog.js';

export interface PinnedBarDeps {
  /** The pinned message: from the timeline, else fetched ('loading' until then). */
  quote(conversation: string, seq: number): Quoted;
  unpin(conversation: string, seq: number): void;
}

/** The bar over the timeline naming the newest pinned message and how many there are; a click lists them all. */
export class PinnedBar {
  readonly el: HTMLElement;
  private readonly count = h('span', { class: 'pinned-count', testid: 'pinned-count' });
  private readonly preview = h('span', { class: 'pinned-preview', testid: 'pinned-preview' });
  private last: { state: AppState; conv: Conversation; pins: Pin[] } | undefined;

  constructor(private readonly deps: PinnedBarDeps) {
    this.el = h('button', { class: 'pinned-bar', type: 'button', testid: 'pinned-bar', hidden: true, title: 'Pinned messages' }, icon('pin', 14), this.count, this.preview);
    this.el.addEventListener('click', () => this.last && this.list(this.last.state, this.last.conv));
  }

  update(state: AppState, conv: Conversation): void {
    const pins = state.pins.get(conv.id) ?? [];
    this.last = { state, conv, pins };
    this.el.hidden = pins.length === 0;
    const newest = pins[0];
    if (!newest) return;
    setText(this.count, pins.length === 1 ? 'Pinned' : `${pins.length} pinned`);
    setText(this.preview, this.text(conv.id, newest.message));
    this.el.dataset['count'] = String(pins.length);
  }

  private text(conversation: string, seq: number): string {
    const q = this.deps.quote(conversation, seq);
    if (q === 'loading') return 'Loading…';
    if (q === 'unavailable') return 'A message you cannot read';
    return `${q.sender.username}: ${previewOf(q)}`;
  }

  private list(state: AppState, conv: Conversation): void {
    const pins = state.pins.get(conv.id) ?? [];
    const mayUnpin = conv.kind === 'direct' || isAdmin(roleIn(conv, state));
    openDialog('Pinned messages', 'pinned-list', (d) =>
      pins.map((p) => {
        const show = h('button', { class: 'pinned-item-text', type: 'button', testid: 'pinned-item-show' }, this.text(conv.id, p.message));
        show.addEventListener('click', () => {
          d.close();
          const node = document.querySelector<HTMLElement>(`[data-testid="message-list"] [data-seq="${p.message}"]`);
          node?.scrollIntoView({ block: 'center', behavior: 'smooth' });
          node?.classList.remove('flash');
          void node?.offsetWidth;
          node?.classList.add('flash');
        });
        const unpin = mayUnpin
          ? h('button', { class: 'btn btn-sm', type: 'button', testid: 'pinned-item-unpin', onclick: () => (this.deps.unpin(conv.id, p.message), d.close()) }, 'Unpin')
          : null;
        return h(
          'div',
          { class: 'pinned-item', testid: 'pinned-item', 'data-seq': p.message },
          show,
          h('span', { class: 'muted pinned-by' }, `pinned by ${p.pinnedBy.username}`),
          unpin,
        );
      }),
    );
  }
}
