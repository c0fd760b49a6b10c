import { h } from '../dom.js';
import type { MentionCandidate } from '../state.js';
import { avatar } from './common.js';

/**
 * The suggestions under an "@" being typed: a list the keyboard moves through (the composer forwards
 * Up, Down, Enter, Tab and Escape) and the mouse picks from without taking the focus from the text box.
 */
export class MentionPicker {
  readonly el = h('ul', { class: 'mention-list', testid: 'mention-suggestions', role: 'listbox', 'aria-label': 'Mention someone', hidden: true });
  private candidates: readonly MentionCandidate[] = [];
  private active = 0;

  constructor(private readonly onPick: (c: MentionCandidate) => void) {}

  get open(): boolean {
    return !this.el.hidden;
  }

  show(candidates: readonly MentionCandidate[]): void {
    this.candidates = candidates;
    this.active = 0;
    this.el.hidden = candidates.length === 0;
    this.el.replaceChildren(
      ...candidates.map((c, i) => {
        const item = h(
          'li',
          { class: 'mention-option', role: 'option', testid: 'mention-option', 'data-username': c.username, 'data-user-id': c.id, id: `mention-option-${i}` },
          avatar(c.displayName || c.username, 'sm'),
          h('span', { class: 'mention-name' }, c.displayName || c.username),
          h('span', { class: 'muted' }, `@${c.username}`),
        );
        // mousedown, not click: the text box keeps the focus (and its caret).
        item.addEventListener('mousedown', (ev) => {
          ev.preventDefault();
          this.onPick(c);
        });
        return item;
      }),
    );
    this.highlight();
  }

  hide(): void {
    this.el.hidden = true;
    this.candidates = [];
  }

  move(delta: number): void {
    if (!this.candidates.length) return;
    this.active = (this.active + delta + this.candidates.length) % this.candidates.length;
    this.highlight();
  }

  /** Picks the highlighted candidate; false when none is shown. */
  pickActive(): boolean {
    const c = this.candidates[this.active];
    if (!this.open || !c) return false;
    this.onPick(c);
    return true;
  }

  private highlight(): void {
    [...this.el.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === this.active)));
    this.el.children[this.active]?.scrollIntoView({ block: 'nearest' });
  }
}
