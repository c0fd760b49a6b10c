import type { Invitation, JoinRequest } from '@parley/sdk';
import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { formatListTime, plural } from '../format.js';
import { icon } from '../icons.js';
import type { AppState } from '../state.js';
import { avatar } from './common.js';
import type { GroupDeps } from './group-deps.js';
import { pageFrame } from './page.js';

/**
 * Invitations to groups (accept / decline) and requests to join the groups the user runs (approve /
 * refuse). Both lists follow the state, which the `invitation` and `join_request` events keep current.
 */
export class InboxPage {
  readonly el: HTMLElement;
  private readonly invitations = h('ul', { class: 'people-list', testid: 'invitation-list' });
  private readonly requests = h('ul', { class: 'people-list', testid: 'join-request-list' });
  private renderedKey = '';

  constructor(
    private readonly deps: GroupDeps,
    back: () => void,
  ) {
    this.el = pageFrame(
      'invitations-page',
      'Invitations',
      back,
      h('h2', { class: 'section-title' }, 'Invitations to groups'),
      this.invitations,
      h('h2', { class: 'section-title' }, 'Requests to join your groups'),
      this.requests,
    );
  }

  update(state: AppState): void {
    if (this.el.hidden) return;
    const inbox = state.inbox;
    const key = JSON.stringify([inbox.loaded, inbox.invitations, inbox.requests]);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    const loading = inbox.loaded ? undefined : 'Loading…';
    this.invitations.replaceChildren(
      ...(inbox.invitations.length ? inbox.invitations.map((i) => this.invitationRow(i)) : [empty(loading ?? 'No invitations for you.', 'invitations-empty')]),
    );
    this.requests.replaceChildren(
      ...(inbox.requests.length ? inbox.requests.map((r) => this.requestRow(r)) : [empty(loading ?? 'Nobody is waiting to join your groups.', 'join-requests-empty')]),
    );
  }

  /** Runs a row's action with its buttons busy; a failure becomes a notice and frees them again. */
  private act(actions: HTMLElement, task: () => Promise<void>): void {
    for (const b of actions.querySelectorAll('button')) b.disabled = true;
    task().catch((e: unknown) => {
      this.deps.notify('error', describeError(e));
      for (const b of actions.querySelectorAll('button')) b.disabled = false;
      void this.deps.groups.loadInbox();
    });
  }

  private invitationRow(i: Invitation): HTMLElement {
    const c = i.conversation;
    const name = c.name || 'Unnamed group';
    const actions = h('div', { class: 'row-actions' });
    actions.append(
      button('Accept', 'invitation-accept', 'check', 'btn-primary', () =>
        this.act(actions, async () => {
          const id = await this.deps.groups.answerInvitation(c.id, true);
          if (id) this.deps.open(id);
          else this.deps.notify('info', `${name} needs an admin's approval: your request is waiting.`);
        }),
      ),
      button('Decline', 'invitation-decline', 'close', '', () => this.act(actions, async () => void (await this.deps.groups.answerInvitation(c.id, false)))),
    );
    return h(
      'li',
      { class: 'person-row', testid: 'invitation-item', 'data-conversation-id': c.id },
      avatar(name, 'md', 'square'),
      h(
        'div',
        { class: 'person-text' },
        h('span', { class: 'person-name', testid: 'invitation-name' }, name),
        h('span', { class: 'person-sub muted' }, `${i.invitedBy.username} invited you · ${plural(c.memberCount, 'member')} · ${formatListTime(i.invitedAt)}`),
      ),
      actions,
    );
  }

  private requestRow(r: JoinRequest): HTMLElement {
    const actions = h('div', { class: 'row-actions' });
    const answer = (approve: boolean): void => this.act(actions, () => this.deps.groups.answerJoinRequest(r.conversation.id, r.user.id, approve));
    actions.append(button('Approve', 'join-request-approve', 'check', 'btn-primary', () => answer(true)), button('Refuse', 'join-request-refuse', 'close', '', () => answer(false)));
    const via = r.invitedBy ? `invited by ${r.invitedBy.username} · ` : '';
    return h(
      'li',
      { class: 'person-row', testid: 'join-request-item', 'data-conversation-id': r.conversation.id, 'data-handle': r.user.username },
      avatar(r.user.username),
      h(
        'div',
        { class: 'person-text' },
        h('span', { class: 'person-name' }, `${r.user.username} → ${r.conversation.name || 'Unnamed group'}`),
        h('span', { class: 'person-sub muted' }, `${via}${formatListTime(r.requestedAt)}`),
        r.note ? h('span', { class: 'request-note', testid: 'join-request-note' }, `“${r.note}”`) : null,
      ),
      actions,
    );
  }
}

function button(label: string, testid: string, iconName: string, kind: string, onclick: () => void): HTMLButtonElement {
  return h('button', { class: `btn btn-sm ${kind}`, type: 'button', testid, title: label, onclick }, icon(iconName, 15), h('span', { class: 'btn-label' }, label));
}

function empty(text: string, testid: string): HTMLElement {
  return h('li', { class: 'list-empty muted', testid }, text);
}
