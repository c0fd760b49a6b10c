import type { BlockedProfile, Friend, FriendRequest, Person, PublicProfile } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { describeError } from '../errors.js';
import { formatListTime } from '../format.js';
import { icon } from '../icons.js';
import type { Social } from '../social.js';
import type { AppState } from '../state.js';
import { profileAvatar } from './common.js';
import { confirmDialog, field, openDialog } from './dialog.js';
import { pageFrame, showStatus, statusLine } from './page.js';
import { remarkDialog } from './profile-forms.js';

export interface FriendsPageHandlers {
  back(): void;
  /** Opens (or starts) the direct conversation with a handle. */
  message(handle: string): Promise<void>;
  notify(kind: 'error' | 'info', text: string): void;
}

type Tab = 'friends' | 'requests' | 'search' | 'blocked';

/**
 * Friends, friend requests (incoming: accept / refuse; outgoing: cancel), people search with "add
 * friend" and a note, and the blocked list. Lists follow the state, which `friend` / `block` / `remark`
 * events keep current.
 */
export class FriendsPage {
  readonly el: HTMLElement;
  private tab: Tab = 'friends';
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private readonly panels = new Map<Tab, HTMLElement>();
  private readonly friendList = h('ul', { class: 'people-list', testid: 'friend-list' });
  private readonly incomingList = h('ul', { class: 'people-list', testid: 'incoming-requests' });
  private readonly outgoingList = h('ul', { class: 'people-list', testid: 'outgoing-requests' });
  private readonly blockedList = h('ul', { class: 'people-list', testid: 'blocked-list' });
  private readonly results = h('ul', { class: 'people-list', testid: 'people-results' });
  private readonly searchInput = h('input', {
    type: 'search',
    class: 'conv-filter',
    testid: 'people-search-input',
    placeholder: 'Search by handle or name',
    'aria-label': 'Search people',
    maxlength: 64,
  });
  private readonly more = h('button', { class: 'btn', type: 'button', testid: 'people-more', hidden: true }, 'Show more');
  private readonly searchStatus = statusLine('people-search-status');
  private readonly requestCount = h('span', { class: 'badge', testid: 'requests-tab-count', hidden: true });
  private found: Person[] = [];
  private next: string | null = null;
  private searchSeq = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private last: AppState | undefined;
  private renderedKey = '';

  constructor(
    private readonly social: Social,
    private readonly handlers: FriendsPageHandlers,
  ) {
    const tabBar = h(
      'div',
      { class: 'tabs page-tabs', role: 'tablist' },
      this.tabButton('friends', 'Friends'),
      this.tabButton('requests', 'Requests', this.requestCount),
      this.tabButton('search', 'Add people'),
      this.tabButton('blocked', 'Blocked'),
    );
    this.panels.set('friends', h('div', { class: 'tab-panel', testid: 'friends-panel' }, this.friendList));
    this.panels.set(
      'requests',
      h(
        'div',
        { class: 'tab-panel', testid: 'requests-panel' },
        h('h2', { class: 'section-title' }, 'Received'),
        this.incomingList,
        h('h2', { class: 'section-title' }, 'Sent'),
        this.outgoingList,
      ),
    );
    this.panels.set(
      'search',
      h('div', { class: 'tab-panel', testid: 'search-panel' }, this.searchInput, this.searchStatus, this.results, this.more),
    );
    this.panels.set('blocked', h('div', { class: 'tab-panel', testid: 'blocked-panel' }, this.blockedList));
    this.searchInput.addEventListener('input', () => {
      if (this.searchTimer) clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => void this.search(false), 200);
    });
    this.searchInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') void this.search(false);
    });
    this.more.addEventListener('click', () => void this.search(true));
    this.el = pageFrame('friends-page', 'Friends', () => handlers.back(), tabBar, ...this.panels.values());
    this.select('friends');
  }

  private tabButton(tab: Tab, label: string, extra?: HTMLElement): HTMLButtonElement {
    const b = h('button', { type: 'button', class: 'tab', role: 'tab', testid: `friends-tab-${tab}` }, label, extra);
    b.addEventListener('click', () => this.select(tab));
    this.tabs.set(tab, b);
    return b;
  }

  select(tab: Tab): void {
    this.tab = tab;
    for (const [t, b] of this.tabs) {
      b.classList.toggle('active', t === tab);
      b.setAttribute('aria-selected', String(t === tab));
    }
    for (const [t, p] of this.panels) p.hidden = t !== tab;
    if (tab === 'search') this.searchInput.focus();
    this.renderedKey = '';
    if (this.last) this.update(this.last);
  }

  update(state: AppState): void {
    this.last = state;
    if (this.el.hidden) return;
    const social = state.social;
    const n = social.incoming.length;
    this.requestCount.hidden = n === 0;
    setText(this.requestCount, String(n));
    // Lists are rebuilt only when what they show changed (the state object is shared and mutated).
    const key = JSON.stringify([this.tab, social.loaded, social.friends, social.incoming, social.outgoing, social.blocked, [...social.remarks]]);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    this.friendList.replaceChildren(...(social.friends.length ? social.friends.map((f) => this.friendRow(f)) : [empty(social.loaded ? 'No friends yet. Find people under "Add people".' : 'Loading…', 'friends-empty')]));
    this.incomingList.replaceChildren(...(social.incoming.length ? social.incoming.map((r) => this.requestRow(r, 'incoming')) : [empty('No requests for you.', 'incoming-empty')]));
    this.outgoingList.replaceChildren(...(social.outgoing.length ? social.outgoing.map((r) => this.requestRow(r, 'outgoing')) : [empty('You have no pending requests.', 'outgoing-empty')]));
    this.blockedList.replaceChildren(...(social.blocked.length ? social.blocked.map((b) => this.blockedRow(b)) : [empty('You have not blocked anyone.', 'blocked-empty')]));
    this.renderResults();
  }

  /** Runs an action from a row; its buttons are busy meanwhile and a failure becomes a notice. */
  private act(buttons: HTMLElement, task: () => Promise<void>, done?: string): void {
    for (const b of buttons.querySelectorAll('button')) b.disabled = true;
    task().then(
      () => done && this.handlers.notify('info', done),
      (e: unknown) => {
        this.handlers.notify('error', describeError(e));
        for (const b of buttons.querySelectorAll('button')) b.disabled = false;
      },
    );
  }

  private friendRow(f: Friend): HTMLElement {
    const p = f.profile;
    const actions = h('div', { class: 'row-actions' });
    actions.append(
      button('Message', 'friend-message', 'message', () => this.act(actions, () => this.handlers.message(p.handle))),
      button('Remark', 'friend-remark', 'edit', () =>
        remarkDialog(`Remark for ${p.displayName}`, f.remark, (r) => this.social.setRemark(p.id, r)),
      ),
      button('Remove', 'friend-remove', 'close', () =>
        confirmDialog(`Remove ${p.displayName}?`, 'remove-friend-dialog', 'You will no longer be friends, on both sides. Your conversations stay.', 'Remove friend', () => this.social.removeFriend(p.id)),
      ),
      button('Block', 'friend-block', 'block', () => this.confirmBlock(p)),
    );
    return personRow(p, 'friend-item', f.remark ? `${f.remark}` : p.displayName, `@${p.handle} · friends since ${formatListTime(f.since)}`, actions);
  }

  private requestRow(r: FriendRequest, side: 'incoming' | 'outgoing'): HTMLElement {
    const p = side === 'incoming' ? r.from : r.to;
    const actions = h('div', { class: 'row-actions' });
    if (side === 'incoming') {
      actions.append(
        button('Accept', 'friend-request-accept', 'check', () => this.act(actions, () => this.social.accept(r.id), `You and ${p.displayName} are now friends.`), 'btn-primary'),
        button('Refuse', 'friend-request-refuse', 'close', () => this.act(actions, () => this.social.refuse(r.id))),
      );
    } else {
      actions.append(button('Cancel', 'friend-request-cancel', 'close', () => this.act(actions, () => this.social.cancel(r.id))));
    }
    const sub = `@${p.handle} · ${formatListTime(r.createdAt)}`;
    const row = personRow(p, 'friend-request', p.displayName, sub, actions);
    row.dataset['requestId'] = r.id;
    row.dataset['side'] = side;
    if (r.note) row.querySelector('.person-text')?.append(h('span', { class: 'request-note', testid: 'friend-request-note' }, `“${r.note}”`));
    return row;
  }

  private blockedRow(b: BlockedProfile): HTMLElement {
    const p = b.profile;
    const actions = h('div', { class: 'row-actions' });
    actions.append(button('Unblock', 'unblock', 'check', () => this.act(actions, () => this.social.unblock(p.id), `${p.displayName} is unblocked.`)));
    return personRow(p, 'blocked-item', p.displayName, `@${p.handle} · blocked ${formatListTime(b.since)}`, actions);
  }

  private confirmBlock(p: PublicProfile): void {
    confirmDialog(
      `Block ${p.displayName}?`,
      'block-dialog',
      'They will not be able to send you friend requests or direct messages, and a friendship or pending request between you ends. They are not told.',
      'Block',
      () => this.social.block(p.id),
    );
  }

  // ---------- search ----------

  private async search(more: boolean): Promise<void> {
    const q = this.searchInput.value.trim();
    const seq = ++this.searchSeq;
    if (!q) {
      this.found = [];
      this.next = null;
      showStatus(this.searchStatus, undefined);
      return this.renderResults();
    }
    try {
      const page = await this.social.searchPeople(q, more ? (this.next ?? undefined) : undefined);
      if (seq !== this.searchSeq) return;
      this.found = more ? [...this.found, ...page.users] : page.users;
      this.next = page.next;
      showStatus(this.searchStatus, this.found.length ? undefined : `Nobody matches “${q}”.`);
    } catch (e) {
      if (seq === this.searchSeq) showStatus(this.searchStatus, describeError(e), 'error');
    }
    this.renderResults();
  }

  private renderResults(): void {
    const state = this.last;
    this.more.hidden = !this.next;
    if (!state) return;
    const social = state.social;
    const me = state.me?.id;
    const friends = new Set(social.friends.map((f) => f.profile.id));
    const requested = new Set(social.outgoing.map((r) => r.to.id));
    const incoming = new Map(social.incoming.map((r) => [r.from.id, r]));
    const blocked = new Set(social.blocked.map((b) => b.profile.id));
    this.results.replaceChildren(
      ...this.found.map((u) => {
        const p: PublicProfile = { id: u.id, handle: u.username, displayName: u.displayName, bio: '', avatar: u.avatar };
        const actions = h('div', { class: 'row-actions' });
        const request = incoming.get(u.id);
        if (u.id === me) actions.append(tag('You'));
        else if (friends.has(u.id)) actions.append(tag('Friend'), button('Message', 'people-message', 'message', () => this.act(actions, () => this.handlers.message(u.username))));
        else if (blocked.has(u.id)) actions.append(tag('Blocked'));
        else if (requested.has(u.id)) actions.append(tag('Request sent'));
        else if (request) actions.append(button('Accept request', 'people-accept', 'check', () => this.act(actions, () => this.social.accept(request.id)), 'btn-primary'));
        else actions.append(button('Add friend', 'people-add', 'userPlus', () => this.requestDialog(p), 'btn-primary'));
        return personRow(p, 'person-item', u.displayName, `@${u.username}`, actions);
      }),
    );
  }

  private requestDialog(p: PublicProfile): void {
    openDialog(`Add ${p.displayName} as a friend`, 'friend-request-dialog', (d) => {
      const note = h('textarea', { testid: 'friend-request-note-input', maxlength: 140, rows: 3, placeholder: 'Hi! It’s me from…' });
      const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'friend-request-send' }, 'Send request');
      const form = h(
        'form',
        { class: 'dialog-form', novalidate: true },
        field('A note (optional)', note, 'Up to 140 characters; they see it with your request.'),
        h('div', { class: 'dialog-actions' }, submit),
      );
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        d.run(submit, 'Sending…', async () => {
          await this.social.sendFriendRequest(p.id, note.value.trim());
          this.handlers.notify('info', `Friend request sent to ${p.displayName}.`);
        });
      });
      return [form];
    });
  }
}

function personRow(p: PublicProfile, testid: string, name: string, sub: string, actions: HTMLElement): HTMLElement {
  return h(
    'li',
    { class: 'person-row', testid, 'data-profile-id': p.id, 'data-handle': p.handle },
    profileAvatar(p.displayName || p.handle, p.avatar),
    h(
      'div',
      { class: 'person-text' },
      h('span', { class: 'person-name', testid: 'person-name' }, name),
      h('span', { class: 'person-sub muted' }, sub),
      p.bio ? h('span', { class: 'person-bio' }, p.bio) : null,
    ),
    actions,
  );
}

function button(label: string, testid: string, iconName: string, onclick: () => void, kind = ''): HTMLButtonElement {
  return h('button', { class: `btn btn-sm ${kind}`, type: 'button', testid, title: label, onclick }, icon(iconName, 15), h('span', { class: 'btn-label' }, label));
}

function tag(text: string): HTMLElement {
  return h('span', { class: 'tag', testid: 'person-relation' }, text);
}

function empty(text: string, testid: string): HTMLElement {
  return h('li', { class: 'list-empty muted', testid }, text);
}
