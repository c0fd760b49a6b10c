import type { Session } from '@parley/sdk';
import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { formatFull, formatListTime } from '../format.js';
import { icon } from '../icons.js';
import type { Social } from '../social.js';
import { confirmDialog } from './dialog.js';
import { pageFrame, showStatus, statusLine } from './page.js';

/** The profile's signed-in devices (client, IP, last active), each with "Sign out"; this one is marked. */
export class SessionsPage {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'people-list', testid: 'session-list' });
  private readonly status = statusLine('sessions-status');

  constructor(
    private readonly social: Social,
    back: () => void,
  ) {
    const refresh = h('button', { class: 'btn btn-sm', type: 'button', testid: 'sessions-refresh', onclick: () => void this.load() }, 'Refresh');
    this.el = pageFrame(
      'sessions-page',
      'Devices',
      back,
      h('p', { class: 'muted page-intro' }, 'Where this profile is signed in. Signing a device out closes its connection at once.'),
      h('div', { class: 'page-toolbar' }, refresh),
      this.status,
      this.list,
    );
  }

  /** Loads the list; called each time the page is shown. */
  async load(): Promise<void> {
    showStatus(this.status, 'Loading…');
    try {
      const sessions = await this.social.sessions();
      sessions.sort((a, b) => Number(b.current) - Number(a.current) || b.lastActiveAt - a.lastActiveAt);
      this.list.replaceChildren(...sessions.map((s) => this.row(s)));
      showStatus(this.status, sessions.length ? undefined : 'No signed-in devices.');
    } catch (e) {
      showStatus(this.status, describeError(e), 'error');
    }
  }

  private row(s: Session): HTMLElement {
    const actions = h('div', { class: 'row-actions' });
    if (s.current) actions.append(h('span', { class: 'tag tag-accent', testid: 'session-current' }, 'This device'));
    else {
      actions.append(
        h(
          'button',
          {
            class: 'btn btn-sm',
            type: 'button',
            testid: 'session-revoke',
            onclick: () =>
              confirmDialog('Sign this device out?', 'revoke-session-dialog', `${s.client || 'The device'} will have to log in again.`, 'Sign out', async () => {
                await this.social.revokeSession(s.id);
                await this.load();
              }),
          },
          'Sign out',
        ),
      );
    }
    return h(
      'li',
      { class: 'person-row', testid: 'session-item', 'data-session-id': s.id, 'data-current': String(s.current) },
      h('span', { class: 'session-icon', 'aria-hidden': 'true' }, icon('devices', 22)),
      h(
        'div',
        { class: 'person-text' },
        h('span', { class: 'person-name', testid: 'session-client' }, s.client || 'Unknown client'),
        h(
          'span',
          { class: 'person-sub muted' },
          h('span', { testid: 'session-ip' }, s.ip || 'unknown address'),
          ' · last active ',
          h('time', { testid: 'session-last-active', datetime: new Date(s.lastActiveAt).toISOString(), title: formatFull(s.lastActiveAt) }, formatListTime(s.lastActiveAt)),
          ` · signed in ${formatListTime(s.createdAt)}`,
        ),
      ),
      actions,
    );
  }
}
