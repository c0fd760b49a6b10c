import type { GroupDetails, Notice } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { formatListTime } from '../format.js';
import { icon } from '../icons.js';
import { isAdmin } from '../state.js';

export interface NoticeBannerHandlers {
  /** The user opened the notice: it counts as read. */
  read(conversationId: string): void;
  /** All notices of the group, newest first (admins post a new one there). */
  history(conversationId: string): void;
  /** Edits the current notice (admins). */
  edit(conversationId: string, notice: Notice): void;
}

/**
 * The group's current notice, pinned over the timeline: its text (two lines until opened), who posted
 * it, and a "New" marker until the user opens it. Admins edit it from here.
 */
export class NoticeBanner {
  readonly el: HTMLElement;
  private readonly text = h('span', { class: 'notice-text', testid: 'notice-text' });
  private readonly meta = h('span', { class: 'notice-meta muted', testid: 'notice-meta' });
  private readonly fresh = h('span', { class: 'tag tag-accent notice-new', testid: 'notice-new', hidden: true }, 'New');
  private readonly editBtn: HTMLButtonElement;
  private group: GroupDetails | undefined;
  private shownId = '';

  constructor(handlers: NoticeBannerHandlers) {
    const body = h(
      'button',
      { type: 'button', class: 'notice-body', testid: 'notice-open', 'aria-expanded': 'false', title: 'Show the whole notice' },
      icon('megaphone', 18),
      h('span', { class: 'notice-lines' }, h('span', { class: 'notice-head' }, this.fresh, this.meta), this.text),
    );
    body.addEventListener('click', () => {
      const g = this.group;
      if (!g) return;
      const open = !this.el.classList.contains('open');
      this.el.classList.toggle('open', open);
      body.setAttribute('aria-expanded', String(open));
      handlers.read(g.id);
    });
    this.editBtn = h(
      'button',
      { type: 'button', class: 'icon-btn', testid: 'notice-edit', title: 'Edit the notice', 'aria-label': 'Edit the notice' },
      icon('edit', 16),
    );
    this.editBtn.addEventListener('click', () => {
      const g = this.group;
      if (g?.notice) handlers.edit(g.id, g.notice);
    });
    const historyBtn = h(
      'button',
      { type: 'button', class: 'icon-btn', testid: 'notice-history', title: 'All notices', 'aria-label': 'All notices' },
      icon('list', 16),
    );
    historyBtn.addEventListener('click', () => this.group && handlers.history(this.group.id));
    this.el = h('div', { class: 'notice-banner', testid: 'notice-banner', role: 'region', 'aria-label': 'Notice', hidden: true }, body, h('div', { class: 'notice-actions' }, this.editBtn, historyBtn));
  }

  /** Shows the group's notice; `ended` (dissolved or removed): no more editing. */
  update(group: GroupDetails | undefined, ended = false): void {
    this.group = group;
    const notice = group?.notice ?? null;
    this.el.hidden = !notice;
    if (!group || !notice) return;
    if (this.shownId !== `${group.id}/${notice.id}`) {
      // Another notice (or group): it starts folded again.
      this.shownId = `${group.id}/${notice.id}`;
      this.el.classList.remove('open');
    }
    setText(this.text, notice.text);
    const when = formatListTime(notice.editedAt || notice.postedAt);
    setText(this.meta, `${notice.postedBy.username} · ${when}${notice.editedAt ? ' · edited' : ''}`);
    this.fresh.hidden = !group.noticeUnread;
    this.el.dataset['unread'] = String(group.noticeUnread);
    this.el.dataset['noticeId'] = notice.id;
    this.editBtn.hidden = !isAdmin(group.myRole) || group.dissolved || ended;
  }
}
