import type { Member } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { describeError } from '../errors.js';
import { icon } from '../icons.js';
import type { AppState, Conversation } from '../state.js';
import { avatar } from './common.js';

/** Side panel listing a group's or room's members (rooms: who is online, from presence updates). */
export class MembersPanel {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'member-list', testid: 'member-list' });
  private readonly summary = h('p', { class: 'members-summary', testid: 'members-summary' });
  private readonly idRow = h('div', { class: 'group-id-row', hidden: true });
  private readonly idText = h('code', { class: 'group-id', testid: 'group-id' });
  private readonly status = h('p', { class: 'muted members-status' });
  private conversationId: string | undefined;
  private members: Member[] | undefined;
  private loading = 0;
  private inflightFor: string | undefined;
  private loadedFor: string | undefined;
  private loadedCount = -1;
  private lastKey = '';

  constructor(
    onClose: () => void,
    private readonly load: (id: string) => Promise<Member[]>,
  ) {
    const copy = h(
      'button',
      {
        class: 'icon-btn',
        type: 'button',
        title: 'Copy group id',
        'aria-label': 'Copy group id',
        testid: 'copy-group-id',
      },
      icon('copy', 16),
    );
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(this.idText.textContent ?? '').then(
        () => setText(copy, '✓'),
        () => undefined,
      );
    });
    this.idRow.append(
      h('span', { class: 'muted' }, 'Group id (others join with it):'),
      h('div', { class: 'group-id-line' }, this.idText, copy),
    );
    this.el = h(
      'aside',
      { class: 'members-panel', testid: 'members-panel', hidden: true },
      h(
        'header',
        { class: 'panel-head' },
        h('h3', {}, 'Members'),
        h(
          'button',
          { class: 'icon-btn', type: 'button', 'aria-label': 'Close members', onclick: onClose },
          icon('close'),
        ),
      ),
      this.summary,
      this.idRow,
      this.status,
      this.list,
    );
  }

  /** Reloads the member list (after joins/leaves or when reopened). */
  refresh(): void {
    const id = this.conversationId;
    if (!id) return;
    const ticket = ++this.loading;
    this.inflightFor = id;
    this.loadedCount = this.conv?.memberCount ?? -1;
    if (!this.members) setText(this.status, 'Loading members…');
    this.load(id).then(
      (members) => {
        if (ticket !== this.loading || id !== this.conversationId) return;
        this.inflightFor = undefined;
        this.loadedFor = id;
        this.members = members;
        setText(this.status, '');
        this.lastKey = '';
        this.render();
      },
      (e: unknown) => {
        if (ticket !== this.loading) return;
        this.inflightFor = undefined;
        this.loadedFor = id;
        setText(this.status, `Could not load members. ${describeError(e)}`);
      },
    );
  }

  private state: AppState | undefined;
  private conv: Conversation | undefined;

  update(state: AppState, conv: Conversation, visible: boolean): void {
    this.el.hidden = !visible;
    this.state = state;
    this.conv = conv;
    if (this.conversationId !== conv.id) {
      this.conversationId = conv.id;
      this.members = undefined;
      this.loadedFor = undefined;
      this.lastKey = '';
    }
    if (!visible) return;
    const stale = this.loadedFor !== conv.id || this.loadedCount !== conv.memberCount;
    if (stale && this.inflightFor !== conv.id) this.refresh();
    this.render();
  }

  private render(): void {
    const state = this.state;
    const conv = this.conv;
    if (!state || !conv) return;
    const presence = state.presence.get(conv.id);
    const online = new Set(presence?.onlineMembers.map((m) => m.id) ?? []);
    this.idRow.hidden = conv.kind !== 'group';
    setText(this.idText, conv.kind === 'group' ? conv.id : '');
    const count = presence?.members ?? conv.memberCount;
    setText(
      this.summary,
      conv.kind === 'room' && presence
        ? `${presence.online} online of ${count}`
        : `${count} member${count === 1 ? '' : 's'}`,
    );
    // Everyone we know of: the fetched list plus anyone presence says is online.
    const people = new Map<string, { id: string; username: string }>();
    for (const m of this.members ?? []) people.set(m.id, m);
    for (const m of presence?.onlineMembers ?? []) if (!people.has(m.id)) people.set(m.id, m);
    for (const m of conv.members ?? []) if (!people.has(m.id)) people.set(m.id, m);
    const sorted = [...people.values()].sort(
      (a, b) => Number(online.has(b.id)) - Number(online.has(a.id)) || a.username.localeCompare(b.username),
    );
    const key = JSON.stringify([sorted.map((m) => m.id), [...online], state.me?.id]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.list.replaceChildren(
      ...sorted.map((m) => {
        const isOnline = online.has(m.id);
        return h(
          'li',
          {
            class: `member${isOnline ? ' online' : ''}`,
            testid: 'member',
            'data-username': m.username,
            'data-online': String(isOnline),
          },
          avatar(m.username, 'sm'),
          h(
            'span',
            { class: 'member-name' },
            m.username,
            m.id === state.me?.id ? h('span', { class: 'muted' }, ' (you)') : null,
          ),
          conv.kind === 'room'
            ? h('span', {
                class: 'presence-dot',
                title: isOnline ? 'Online' : 'Offline',
                'aria-label': isOnline ? 'Online' : 'Offline',
              })
            : null,
        );
      }),
    );
  }
}
