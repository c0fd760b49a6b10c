import { MAX_SEARCH_QUERY_CHARS, type SearchHighlight, type SearchResponse, type SearchResult } from '@parley/protocol';
import { h, replaceChildren, setText, type Child } from '../dom.js';
import { describeError } from '../errors.js';
import { formatFull, formatListTime } from '../format.js';
import { titleOf, type AppState } from '../state.js';

export interface SearchHandlers {
  /** One page of messages matching `q` (the next one after `cursor`). */
  search(q: string, cursor: string | undefined): Promise<SearchResponse>;
  /** A result was clicked: open its conversation and bring the message into view. */
  reveal(conversation: string, seq: number): void;
}

/** Typing waits this long for the next key before searching. */
const DEBOUNCE_MS = 250;

interface ResultRow {
  readonly result: SearchResult;
  readonly name: HTMLElement;
}

/**
 * Message search in the sidebar: a search box (`box`) and, while it holds a query, the results (`panel`)
 * in place of the conversation list. Typing searches after a pause; only the answer to the latest query
 * is shown. Escape (in the box or on a result) clears it. A result shows its conversation, sender, time and its content with the
 * matching parts in <mark>; clicking one reveals the message. `onActive` says when results are shown.
 */
export class SearchPanel {
  readonly input = h('input', {
    class: 'conv-filter search-input',
    type: 'search',
    placeholder: 'Search messages',
    testid: 'search-input',
    'aria-label': 'Search messages',
    maxlength: MAX_SEARCH_QUERY_CHARS,
    autocomplete: 'off',
  });
  private readonly list = h('ul', { class: 'conv-list search-results', testid: 'search-results', role: 'list', 'aria-label': 'Messages found' });
  private readonly status = h('div', { class: 'search-status', testid: 'search-status', role: 'status', 'aria-live': 'polite', hidden: true });
  private readonly more = h('button', { class: 'btn btn-ghost search-more', type: 'button', testid: 'search-more', hidden: true }, 'More results');
  readonly panel = h('div', { class: 'search-panel', testid: 'message-search', hidden: true }, this.status, this.list, this.more);
  private rows: ResultRow[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts searches: an answer is shown only if no newer search started since it was asked. */
  private generation = 0;
  private query = '';
  private next: string | undefined;
  private last: AppState | undefined;

  constructor(
    private readonly handlers: SearchHandlers,
    private readonly onActive: (active: boolean) => void,
  ) {
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.clear();
      } else if (ev.key === 'Enter') {
        clearTimeout(this.timer);
        void this.run();
      }
    });
    this.more.addEventListener('click', () => void this.page());
    // Escape on a result (tabbed to) clears too, and puts the focus back in the box.
    this.panel.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape') return;
      ev.preventDefault();
      this.clear();
      this.input.focus();
    });
  }

  /** Names the results' conversations as the list does (remarks, display names may change). */
  update(state: AppState): void {
    this.last = state;
    for (const row of this.rows) setText(row.name, this.conversationName(row.result.conversation));
  }

  /** Empties the box and the results, and shows the conversation list again. */
  clear(): void {
    clearTimeout(this.timer);
    this.generation++;
    this.input.value = '';
    this.query = '';
    this.show([], undefined);
    this.setStatus('');
    this.panel.hidden = true;
    this.onActive(false);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.input.value.trim()) {
      this.clear();
      return;
    }
    this.timer = setTimeout(() => void this.run(), DEBOUNCE_MS);
  }

  private async run(): Promise<void> {
    const q = this.input.value.trim();
    if (!q) return this.clear();
    if (q === this.query && !this.panel.hidden && this.status.dataset['state'] !== 'error') return;
    const generation = ++this.generation;
    this.query = q;
    this.panel.hidden = false;
    this.onActive(true);
    this.setStatus('loading', 'Searching…');
    try {
      const page = await this.handlers.search(q, undefined);
      if (generation !== this.generation) return;
      this.show(page.results, page.next);
      this.setStatus(page.results.length ? '' : 'empty', page.results.length ? '' : `No messages match “${q}”.`);
    } catch (error) {
      if (generation !== this.generation) return;
      this.show([], undefined);
      this.setStatus('error', `Search failed: ${describeError(error)}`);
    }
  }

  /** The next page of the current query, added below. */
  private async page(): Promise<void> {
    const cursor = this.next;
    if (!cursor) return;
    const generation = this.generation;
    this.more.disabled = true;
    try {
      const page = await this.handlers.search(this.query, cursor);
      if (generation !== this.generation) return;
      this.show([...this.rows.map((r) => r.result), ...page.results], page.next, this.rows.length);
    } catch (error) {
      if (generation === this.generation) this.setStatus('error', `Search failed: ${describeError(error)}`);
    } finally {
      this.more.disabled = false;
    }
  }

  /** Shows `results` (keeping the first `kept` rows drawn already) and the More button when there is a next page. */
  private show(results: SearchResult[], next: string | undefined, kept = 0): void {
    if (kept === 0) {
      this.list.replaceChildren();
      this.rows = [];
    }
    for (const result of results.slice(kept)) {
      const row = this.row(result);
      this.rows.push(row);
    }
    this.next = next;
    this.more.hidden = !next;
  }

  private row(result: SearchResult): ResultRow {
    const name = h('span', { class: 'conv-name', testid: 'search-result-conversation' }, this.conversationName(result.conversation));
    const item = h(
      'li',
      { class: 'conv-row search-result', testid: 'search-result', 'data-conversation-id': result.conversation, 'data-seq': result.seq },
      h(
        'button',
        { class: 'conv-item', type: 'button', onclick: () => this.handlers.reveal(result.conversation, result.seq) },
        h(
          'span',
          { class: 'conv-body' },
          h('span', { class: 'conv-line' }, name, h('span', { class: 'conv-time', testid: 'search-result-time', title: formatFull(result.ts) }, formatListTime(result.ts))),
          h('span', { class: 'search-result-sender', testid: 'search-result-sender' }, result.sender.username),
          h('span', { class: 'search-result-text', testid: 'search-result-text' }, ...highlighted(result.content, result.highlights)),
        ),
      ),
    );
    this.list.append(item);
    return { result, name };
  }

  private conversationName(id: string): string {
    const conv = this.last?.conversations.get(id);
    return conv && this.last ? titleOf(conv, this.last) : 'A conversation you left';
  }

  private setStatus(state: '' | 'loading' | 'empty' | 'error', text = ''): void {
    this.status.dataset['state'] = state;
    this.status.hidden = !state;
    this.status.classList.toggle('error', state === 'error');
    replaceChildren(this.status, text);
  }
}

/**
 * `content` as text nodes with the `ranges` (code-point offsets [start, end), sorted, not overlapping) in
 * <mark>: counted over code points, so a character outside the BMP (an emoji) counts once, as the server
 * counts it.
 */
export function highlighted(content: string, ranges: readonly SearchHighlight[]): Child[] {
  const points = Array.from(content);
  const parts: Child[] = [];
  let at = 0;
  for (const { start, end } of ranges) {
    const from = Math.max(start, at);
    const to = Math.min(end, points.length);
    if (to <= from) continue;
    if (from > at) parts.push(points.slice(at, from).join(''));
    parts.push(h('mark', {}, points.slice(from, to).join('')));
    at = to;
  }
  if (at < points.length) parts.push(points.slice(at).join(''));
  return parts;
}
