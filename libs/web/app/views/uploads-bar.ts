import { h, setText } from '../dom.js';
import { formatBytes } from '../format.js';
import { icon } from '../icons.js';
import type { AppState, Conversation, UploadEntry } from '../state.js';
import { KIND_LABELS } from '../uploads.js';

export interface UploadsBarHandlers {
  cancel(key: string): void;
  retry(key: string): void;
}

/** The files being uploaded into the open conversation, over the composer: each with a progress bar and Cancel (Retry when it failed). */
export class UploadsBar {
  readonly el = h('ul', { class: 'uploads', testid: 'uploads', hidden: true, 'aria-label': 'Uploads' });
  private readonly rows = new Map<string, HTMLElement>();

  constructor(private readonly handlers: UploadsBarHandlers) {}

  update(state: AppState, conv: Conversation): void {
    const mine = [...state.uploads.values()].filter((u) => u.conversation === conv.id);
    const keep = new Set(mine.map((u) => u.key));
    for (const [key, row] of this.rows) {
      if (keep.has(key)) continue;
      row.remove();
      this.rows.delete(key);
    }
    for (const u of mine) {
      let row = this.rows.get(u.key);
      if (!row) {
        row = this.row(u);
        this.rows.set(u.key, row);
        this.el.append(row);
      }
      patch(row, u);
    }
    this.el.hidden = mine.length === 0;
  }

  private row(u: UploadEntry): HTMLElement {
    const retry = h('button', { class: 'link-btn', type: 'button', testid: 'upload-retry', hidden: true }, icon('retry', 14), 'Retry');
    retry.addEventListener('click', () => this.handlers.retry(u.key));
    const cancel = h('button', { class: 'icon-btn', type: 'button', testid: 'upload-cancel', title: 'Cancel the upload', 'aria-label': `Cancel the upload of ${u.name}` }, icon('close', 14));
    cancel.addEventListener('click', () => this.handlers.cancel(u.key));
    return h(
      'li',
      { class: 'upload', testid: 'upload', 'data-key': u.key, 'data-name': u.name },
      h('span', { class: 'upload-icon' }, icon('file', 16)),
      h(
        'div',
        { class: 'upload-body' },
        h('div', { class: 'upload-head' }, h('span', { class: 'upload-name', testid: 'upload-name' }, u.name), h('span', { class: 'upload-state muted', testid: 'upload-state' })),
        h('progress', { class: 'upload-progress', testid: 'upload-progress', max: u.size, value: 0, 'aria-label': `Uploading ${u.name}` }),
        h('p', { class: 'upload-error', testid: 'upload-error', role: 'alert', hidden: true }),
      ),
      retry,
      cancel,
    );
  }
}

function patch(row: HTMLElement, u: UploadEntry): void {
  row.dataset['status'] = u.status;
  row.dataset['kind'] = u.kind;
  const bar = row.querySelector('progress');
  if (bar) {
    bar.max = u.size;
    bar.value = u.sent;
  }
  const percent = u.size ? Math.floor((u.sent / u.size) * 100) : 0;
  row.dataset['percent'] = String(percent);
  const state = row.querySelector('.upload-state');
  if (state) setText(state, u.status === 'queued' ? 'Waiting…' : u.status === 'failed' ? 'Not sent' : `${KIND_LABELS[u.kind]} · ${formatBytes(u.sent)} of ${formatBytes(u.size)} (${percent}%)`);
  const error = row.querySelector<HTMLElement>('.upload-error');
  if (error) {
    error.hidden = u.status !== 'failed';
    setText(error, u.error ?? '');
  }
  const retry = row.querySelector<HTMLElement>('[data-testid="upload-retry"]');
  if (retry) retry.hidden = u.status !== 'failed';
}
