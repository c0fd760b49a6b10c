import type { Notice } from '@parley/sdk';
import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { formatListTime } from '../format.js';
import { isAdmin } from '../state.js';
import { field, openDialog } from './dialog.js';
import type { GroupDeps } from './group-deps.js';

const MAX_NOTICE = 4000;

/** Posts a new notice, or (with `notice`) edits the current one. Admins. */
export function noticeDialog(deps: GroupDeps, conversationId: string, notice?: Notice): void {
  openDialog(notice ? 'Edit the notice' : 'Post a notice', 'notice-dialog', (d) => {
    const input = h('textarea', { testid: 'notice-input', rows: 6, maxlength: MAX_NOTICE, placeholder: 'What every member should know' });
    input.value = notice?.text ?? '';
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'notice-submit' }, notice ? 'Save' : 'Post notice');
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      field('Notice', input, notice ? 'Members see the edit pinned over the conversation.' : 'Pinned over the conversation for every member, marked new until they open it.'),
      h('div', { class: 'dialog-actions' }, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return d.error('Write the notice first.');
      d.run(submit, notice ? 'Saving…' : 'Posting…', () => (notice ? deps.groups.editNotice(conversationId, notice.id, text) : deps.groups.postNotice(conversationId, text)));
    });
    return [form];
  });
}

/** Every notice of the group, newest first (the current one marked); admins post a new one from here. */
export function noticesDialog(deps: GroupDeps, conversationId: string): void {
  const group = deps.state().groups.get(conversationId);
  const admin = isAdmin(group?.myRole) && !group?.dissolved;
  openDialog('Notices', 'notices-dialog', () => {
    const list = h('ul', { class: 'people-list notice-list', testid: 'notice-list' });
    const status = h('p', { class: 'muted', testid: 'notices-status' }, 'Loading…');
    const more = h('button', { class: 'btn btn-sm', type: 'button', testid: 'notices-more', hidden: true }, 'Earlier notices');
    let last: number | undefined;
    const load = (): void => {
      more.disabled = true;
      deps.groups.notices(conversationId, last).then(
        (notices) => {
          more.disabled = false;
          list.append(...notices.map((n) => noticeRow(n, n.id === group?.notice?.id)));
          last = notices[notices.length - 1]?.postedAt;
          more.hidden = notices.length < 20;
          status.hidden = list.childElementCount > 0;
          status.textContent = 'No notices yet.';
        },
        (e: unknown) => {
          more.disabled = false;
          status.hidden = false;
          status.textContent = describeError(e);
        },
      );
    };
    more.addEventListener('click', load);
    load();
    const post = h('button', { class: 'btn btn-primary', type: 'button', testid: 'notice-post', hidden: !admin }, 'Post a new notice');
    post.addEventListener('click', () => noticeDialog(deps, conversationId));
    return [h('div', { class: 'dialog-actions start' }, post), status, list, more];
  });
}

function noticeRow(n: Notice, current: boolean): HTMLElement {
  return h(
    'li',
    { class: 'notice-item', testid: 'notice-item', 'data-notice-id': n.id, 'data-current': String(current) },
    h(
      'div',
      { class: 'person-sub muted' },
      `${n.postedBy.username} · ${formatListTime(n.postedAt)}${n.editedAt ? ` · edited ${formatListTime(n.editedAt)}` : ''}`,
      current ? h('span', { class: 'tag tag-accent' }, 'Current') : null,
    ),
    h('div', { class: 'notice-item-text' }, n.text),
  );
}
