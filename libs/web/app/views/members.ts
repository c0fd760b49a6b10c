import type { GroupDetails, GroupMember, GroupRole } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { describeError } from '../errors.js';
import { icon } from '../icons.js';
import type { AppState, Conversation } from '../state.js';
import { avatar } from './common.js';
import { confirmDialog } from './dialog.js';
import { formatWhen, type GroupDeps } from './group-deps.js';
import { openMenu, type MenuItem } from './menu.js';

const HOUR = 3_600_000;
const ROLE_LABEL: Record<GroupRole, string> = { owner: 'Owner', admin: 'Admin', member: '' };

/** Someone in the list: a member as fetched, or (rooms) someone presence says is online. */
type Person = Pick<GroupMember, 'id' | 'username'> & Partial<GroupMember>;

/**
 * Side panel listing a group's or room's members: searchable, paged ("More"), with each one's role
 * (rooms: who is online, from presence updates). The owner and admins act on a member from its menu:
 * make or unmake admin and hand over ownership (owner), mute for an hour, remove, ban (admins; only the
 * owner acts on admins).
 */
export class MembersPanel {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'member-list', testid: 'member-list' });
  private readonly summary = h('p', { class: 'members-summary', testid: 'members-summary' });
  private readonly idRow = h('div', { class: 'group-id-row', hidden: true });
  private readonly idText = h('code', { class: 'group-id', testid: 'group-id' });
  private readonly status = h('p', { class: 'muted members-status' });
  private readonly search = h('input', { type: 'search', class: 'conv-filter member-search', testid: 'member-search', placeholder: 'Search members', 'aria-label': 'Search members', maxlength: 64 });
  private readonly more = h('button', { class: 'btn btn-sm members-more', type: 'button', testid: 'members-more', hidden: true }, 'More');
  private conversationId: string | undefined;
  private members: GroupMember[] | undefined;
  private next: string | null = null;
  private loading = 0;
  private inflightFor: string | undefined;
  /** What the loaded list reflects: conversation, member count, group profile, search. */
  private loadedKey = '';
  private lastKey = '';
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly versions = new WeakMap<GroupDetails, number>();
  private versionCount = 0;
  private state: AppState | undefined;
  private conv: Conversation | undefined;

  constructor(
    onClose: () => void,
    private readonly deps: GroupDeps,
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
      h('span', { class: 'muted' }, 'Group id:'),
      h('div', { class: 'group-id-line' }, this.idText, copy),
    );
    this.search.addEventListener('input', () => {
      if (this.searchTimer) clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.refresh(), 200);
    });
    this.more.addEventListener('click', () => this.refresh(true));
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
      this.search,
      this.status,
      this.list,
      this.more,
    );
  }

  private get group(): GroupDetails | undefined {
    return this.conv ? this.state?.groups.get(this.conv.id) : undefined;
  }

  /** Reloads the member list from its start (or, with `more`, its next page). */
  refresh(more = false): void {
    const id = this.conversationId;
    if (!id) return;
    const ticket = ++this.loading;
    const q = this.search.value.trim();
    const after = more ? (this.next ?? undefined) : undefined;
    this.inflightFor = id;
    this.loadedKey = this.key();
    if (!this.members) setText(this.status, 'Loading members…');
    this.more.disabled = true;
    this.deps.groups.members(id, { ...(q ? { q } : {}), ...(after ? { after } : {}) }).then(
      (page) => {
        if (ticket !== this.loading || id !== this.conversationId) return;
        this.inflightFor = undefined;
        this.members = more ? [...(this.members ?? []), ...page.members] : page.members;
        this.next = page.next;
        this.more.disabled = false;
        setText(this.status, this.members.length || !q ? '' : `Nobody here matches “${q}”.`);
        this.lastKey = '';
        this.render();
        // The group changed while this page was on its way: fetch it again.
        if (!more && this.loadedKey !== this.key()) this.refresh();
      },
      (e: unknown) => {
        if (ticket !== this.loading) return;
        this.inflightFor = undefined;
        this.more.disabled = false;
        setText(this.status, `Could not load members. ${describeError(e)}`);
      },
    );
  }

  /**
   * The facts the loaded list depends on: the conversation, its member count, and the group profile as
   * loaded (reloaded after every system entry: joins, roles, mutes). When they change, it is fetched again.
   */
  private key(): string {
    const g = this.group;
    let version = 0;
    if (g) {
      version = this.versions.get(g) ?? ++this.versionCount;
      this.versions.set(g, version);
    }
    return `${this.conv?.id}/${this.conv?.memberCount}/${version}`;
  }

  update(state: AppState, conv: Conversation, visible: boolean): void {
    this.el.hidden = !visible;
    this.state = state;
    this.conv = conv;
    if (this.conversationId !== conv.id) {
      this.conversationId = conv.id;
      this.members = undefined;
      this.next = null;
      this.search.value = '';
      this.loadedKey = '';
      this.lastKey = '';
    }
    if (!visible) return;
    if (this.loadedKey !== this.key() && this.inflightFor !== conv.id) this.refresh();
    this.render();
  }

  private render(): void {
    const state = this.state;
    const conv = this.conv;
    if (!state || !conv) return;
    const group = this.group;
    const presence = state.presence.get(conv.id);
    const online = new Set(presence?.onlineMembers.map((m) => m.id) ?? []);
    this.idRow.hidden = conv.kind !== 'group';
    setText(this.idText, conv.kind === 'group' ? conv.id : '');
    const count = presence?.members ?? group?.memberCount ?? conv.memberCount;
    setText(
      this.summary,
      conv.kind === 'room' && presence
        ? `${presence.online} online of ${count}`
        : `${count} member${count === 1 ? '' : 's'}${group?.adminCount ? ` · ${group.adminCount} admin${group.adminCount === 1 ? '' : 's'}` : ''}`,
    );
    this.more.hidden = !this.next;
    // Everyone we know of: the fetched list, plus (not searching) anyone presence says is online.
    const people = new Map<string, Person>();
    for (const m of this.members ?? []) people.set(m.id, m);
    if (!this.search.value.trim()) {
      for (const m of presence?.onlineMembers ?? []) if (!people.has(m.id)) people.set(m.id, m);
      if (!this.members) for (const m of conv.members ?? []) if (!people.has(m.id)) people.set(m.id, m);
    }
    const rank = (p: Person): number => (p.role === 'owner' ? 0 : p.role === 'admin' ? 1 : 2);
    const sorted = [...people.values()].sort(
      (a, b) => Number(online.has(b.id)) - Number(online.has(a.id)) || rank(a) - rank(b) || a.username.localeCompare(b.username),
    );
    const now = Date.now();
    const key = JSON.stringify([sorted, [...online], state.me?.id, group?.myRole, group?.dissolved, conv.removed]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.list.replaceChildren(...sorted.map((m) => this.row(m, online.has(m.id), now)));
  }

  private row(m: Person, isOnline: boolean, now: number): HTMLElement {
    const state = this.state!;
    const conv = this.conv!;
    const role = m.role;
    const muted = (m.mutedUntil ?? 0) > now;
    const actions = this.actionsFor(m, now);
    let menuBtn: HTMLButtonElement | null = null;
    if (actions.length) {
      const btn = h(
        'button',
        { class: 'icon-btn member-actions', type: 'button', title: `Actions for ${m.username}`, 'aria-label': `Actions for ${m.username}`, 'aria-haspopup': 'menu', testid: 'member-actions' },
        icon('more', 16),
      );
      btn.addEventListener('click', () => openMenu(btn, 'member-menu', actions, `Actions for ${m.username}`));
      menuBtn = btn;
    }
    return h(
      'li',
      {
        class: `member${isOnline ? ' online' : ''}`,
        testid: 'member',
        'data-username': m.username,
        'data-user-id': m.id,
        'data-online': String(isOnline),
        'data-role': role ?? '',
        'data-muted': String(muted),
      },
      avatar(m.username, 'sm'),
      h(
        'span',
        { class: 'member-name' },
        m.displayName && m.displayName !== m.username ? `${m.displayName} ` : '',
        m.displayName && m.displayName !== m.username ? h('span', { class: 'muted' }, `@${m.username}`) : m.username,
        m.id === state.me?.id ? h('span', { class: 'muted' }, ' (you)') : null,
      ),
      muted ? h('span', { class: 'tag', testid: 'member-muted', title: `Muted until ${formatWhen(m.mutedUntil ?? 0)}` }, 'Muted') : null,
      role && ROLE_LABEL[role] ? h('span', { class: `tag${role === 'owner' ? ' tag-accent' : ''}`, testid: 'member-role' }, ROLE_LABEL[role]) : null,
      conv.kind === 'room'
        ? h('span', {
            class: 'presence-dot',
            title: isOnline ? 'Online' : 'Offline',
            'aria-label': isOnline ? 'Online' : 'Offline',
          })
        : null,
      menuBtn,
    );
  }

  /** What the user may do to `m`: the decider's rules, so the menu offers only what the server allows. */
  private actionsFor(m: Person, now: number): MenuItem[] {
    const group = this.group;
    const conv = this.conv!;
    const me = this.state?.me?.id;
    const mine = group?.myRole;
    if (!group || !m.role || m.id === me || group.dissolved || conv.removed) return [];
    if (mine !== 'owner' && !(mine === 'admin' && m.role === 'member')) return [];
    const id = conv.id;
    const run = (task: () => Promise<void>, done: string): void => {
      task().then(
        () => this.deps.notify('info', done),
        (e: unknown) => this.deps.notify('error', describeError(e)),
      );
    };
    const items: MenuItem[] = [];
    if (mine === 'owner') {
      items.push(
        m.role === 'admin'
          ? { label: 'Make a member', testid: 'member-make-member', icon: 'account', onSelect: () => run(() => this.deps.groups.setRole(id, m.id, 'member'), `${m.username} is a member now.`) }
          : { label: 'Make admin', testid: 'member-make-admin', icon: 'account', onSelect: () => run(() => this.deps.groups.setRole(id, m.id, 'admin'), `${m.username} is an admin now.`) },
        {
          label: 'Make owner…',
          testid: 'member-transfer',
          icon: 'check',
          onSelect: () =>
            confirmDialog(`Make ${m.username} the owner?`, 'transfer-dialog', `${m.username} becomes the owner at once; you stay an admin.`, 'Make owner', () => this.deps.groups.transfer(id, m.id)),
        },
      );
    }
    items.push(
      (m.mutedUntil ?? 0) > now
        ? { label: 'Unmute', testid: 'member-unmute', icon: 'check', onSelect: () => run(() => this.deps.groups.mute(id, m.id, 0), `${m.username} can write again.`) }
        : { label: 'Mute for 1 hour', testid: 'member-mute-1h', icon: 'muted', onSelect: () => run(() => this.deps.groups.mute(id, m.id, Date.now() + HOUR), `${m.username} is muted for an hour.`) },
      'separator',
      {
        label: 'Remove…',
        testid: 'member-remove',
        icon: 'leave',
        danger: true,
        onSelect: () =>
          confirmDialog(`Remove ${m.username}?`, 'remove-member-dialog', `${m.username} stops getting this conversation's messages. They can come back if invited (or join, if it is open).`, 'Remove', () => this.deps.groups.remove(id, m.id, false)),
      },
      {
        label: 'Remove and ban…',
        testid: 'member-ban',
        icon: 'block',
        danger: true,
        onSelect: () =>
          confirmDialog(`Ban ${m.username}?`, 'ban-member-dialog', `${m.username} is removed and cannot join again until an admin lifts the ban.`, 'Remove and ban', () => this.deps.groups.remove(id, m.id, true)),
      },
    );
    return items;
  }
}
