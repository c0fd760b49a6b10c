import type { User } from '@parley/sdk';
import { h } from '../dom.js';
import { avatar, parseNames } from './common.js';

/**
 * Picks one or more usernames: type a prefix to see matching users, click one (or press Enter / comma) to
 * add it. Whatever is still typed counts too.
 */
export class UserPicker {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly chips = h('span', { class: 'chips' });
  private readonly suggestions = h('ul', {
    class: 'suggestions',
    testid: 'user-suggestions',
    role: 'listbox',
    hidden: true,
  });
  private readonly picked: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private query = 0;

  constructor(
    private readonly search: (prefix: string) => Promise<User[]>,
    private readonly options: {
      multiple: boolean;
      exclude: () => string[];
      testid: string;
      placeholder: string;
      onPick?: (name: string) => void;
    },
  ) {
    this.input = h('input', {
      class: 'picker-input',
      testid: options.testid,
      autocomplete: 'off',
      autocapitalize: 'none',
      spellcheck: 'false',
      placeholder: options.placeholder,
      role: 'combobox',
      'aria-autocomplete': 'list',
    });
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (ev) => {
      if (!this.options.multiple) return;
      if ((ev.key === 'Enter' || ev.key === ',' || ev.key === ' ') && this.input.value.trim()) {
        ev.preventDefault();
        for (const n of parseNames(this.input.value)) this.add(n);
        this.input.value = '';
        this.hideSuggestions();
      } else if (ev.key === 'Backspace' && !this.input.value && this.picked.length) {
        this.remove(this.picked[this.picked.length - 1]!);
      }
    });
    this.el = h(
      'div',
      { class: 'picker' },
      h('div', { class: 'picker-box', onclick: () => this.input.focus() }, this.chips, this.input),
      this.suggestions,
    );
  }

  /** Picked names plus whatever is typed. */
  values(): string[] {
    return [...new Set([...this.picked, ...parseNames(this.input.value)])];
  }

  private add(name: string): void {
    if (this.picked.includes(name)) return;
    this.picked.push(name);
    this.renderChips();
  }

  private remove(name: string): void {
    const i = this.picked.indexOf(name);
    if (i >= 0) this.picked.splice(i, 1);
    this.renderChips();
  }

  private renderChips(): void {
    this.chips.replaceChildren(
      ...this.picked.map((n) =>
        h(
          'span',
          { class: 'chip chip-user', testid: 'picked-user' },
          n,
          h(
            'button',
            { type: 'button', class: 'chip-x', 'aria-label': `Remove ${n}`, onclick: () => this.remove(n) },
            '×',
          ),
        ),
      ),
    );
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const prefix = (parseNames(this.input.value).pop() ?? '').toLowerCase();
    if (!prefix || !/^[a-z0-9_.-]{1,32}$/.test(prefix)) return this.hideSuggestions();
    this.timer = setTimeout(() => void this.lookup(prefix), 150);
  }

  private async lookup(prefix: string): Promise<void> {
    const q = ++this.query;
    let users: User[];
    try {
      users = await this.search(prefix);
    } catch {
      return this.hideSuggestions();
    }
    if (q !== this.query) return;
    const exclude = new Set([...this.options.exclude(), ...this.picked]);
    const shown = users.filter((u) => !exclude.has(u.username)).slice(0, 8);
    if (shown.length === 0) return this.hideSuggestions();
    this.suggestions.replaceChildren(
      ...shown.map((u) =>
        h(
          'li',
          { role: 'option' },
          h(
            'button',
            {
              type: 'button',
              class: 'suggestion',
              testid: 'user-suggestion',
              onclick: () => {
                if (this.options.multiple) {
                  this.add(u.username);
                  this.input.value = '';
                } else this.input.value = u.username;
                this.hideSuggestions();
                this.input.focus();
                this.options.onPick?.(u.username);
              },
            },
            avatar(u.username, 'sm'),
            h('span', {}, u.username),
          ),
        ),
      ),
    );
    this.suggestions.hidden = false;
  }

  private hideSuggestions(): void {
    this.query++;
    this.suggestions.hidden = true;
    this.suggestions.replaceChildren();
  }
}
