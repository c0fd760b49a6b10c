import { h } from '../dom.js';
import { icon } from '../icons.js';
import type { AppState } from '../state.js';

/** Toasts for errors and confirmations that are not tied to a form. */
export class Notices {
  readonly el = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  private shown = '';

  constructor(private readonly dismiss: (id: number) => void) {}

  update(state: AppState): void {
    const key = state.notices.map((n) => n.id).join(',');
    if (key === this.shown) return;
    this.shown = key;
    this.el.replaceChildren(
      ...state.notices.map((n) =>
        h(
          'div',
          {
            class: `toast toast-${n.kind}`,
            testid: 'notice',
            'data-kind': n.kind,
            role: n.kind === 'error' ? 'alert' : 'status',
          },
          h('span', { class: 'toast-text' }, n.text),
          h(
            'button',
            { class: 'icon-btn', type: 'button', 'aria-label': 'Dismiss', onclick: () => this.dismiss(n.id) },
            icon('close', 16),
          ),
        ),
      ),
    );
  }
}
