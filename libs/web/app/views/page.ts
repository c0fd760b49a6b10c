import { h, type Child } from '../dom.js';
import { icon } from '../icons.js';

/** The frame of a page in the main pane: a header with a back button (narrow screens) and a title. */
export function pageFrame(testid: string, title: string, back: () => void, ...body: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'page', testid, id: testid, hidden: true },
    h(
      'header',
      { class: 'pane-head' },
      h(
        'button',
        { class: 'icon-btn back-btn', type: 'button', 'aria-label': 'Back', testid: 'page-back', onclick: back },
        icon('back'),
      ),
      h('div', { class: 'pane-titles' }, h('h1', { class: 'conv-title' }, title)),
    ),
    h('div', { class: 'page-body' }, ...body),
  );
}

/** A small inline status line for a section of a page. */
export function statusLine(testid: string): HTMLElement {
  return h('p', { class: 'form-info', testid, role: 'status', hidden: true });
}

export function showStatus(el: HTMLElement, text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  el.textContent = text ?? '';
  el.hidden = !text;
  el.className = kind === 'error' ? 'form-error' : 'form-info';
}
