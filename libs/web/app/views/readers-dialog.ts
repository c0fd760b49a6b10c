import { h, setText } from '../dom.js';
import { describeError } from '../errors.js';
import type { ReadersPage } from '../receipts.js';
import { avatar } from './common.js';
import { openDialog } from './dialog.js';

/** Who has read a message of a group and who has not yet, each list paged with "Show more". */
export function readersDialog(load: ReadersPage): void {
  openDialog('Read by', 'readers', () => [
    readersList('Read', 'readers-read', 'read', load),
    readersList('Not read yet', 'readers-unread', 'unread', load),
  ]);
}

function readersList(title: string, testid: string, state: 'read' | 'unread', load: ReadersPage): HTMLElement {
  const count = h('span', { class: 'readers-count', testid: `${testid}-count` });
  const list = h('ul', { class: 'readers-list' });
  const status = h('p', { class: 'muted readers-status', hidden: true });
  const more = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', testid: 'readers-more', hidden: true }, 'Show more');
  let cursor: string | undefined;
  const next = (): void => {
    more.disabled = true;
    load(state, cursor).then(
      (page) => {
        setText(count, String(page.count));
        for (const u of page.users) {
          list.append(h('li', { class: 'reader', testid: 'reader', 'data-user-id': u.id }, avatar(u.username, 'sm'), h('span', {}, u.username)));
        }
        cursor = page.next;
        more.hidden = !cursor;
        more.disabled = false;
        status.hidden = list.childElementCount > 0;
        setText(status, 'Nobody.');
      },
      (e: unknown) => {
        more.disabled = false;
        status.hidden = false;
        setText(status, `Could not load the list: ${describeError(e)}`);
      },
    );
  };
  more.addEventListener('click', next);
  next();
  return h('section', { class: 'readers-section', testid, 'data-state': state }, h('h3', {}, `${title} `, count), list, status, more);
}
