import { h, setText } from '../dom.js';
import { formatListTime } from '../format.js';
import { icon } from '../icons.js';
import {
  isMuted,
  matchesFilter,
  otherMember,
  sortedConversations,
  titleOf,
  unread,
  type AppState,
  type Connection,
  type Conversation,
  type Page,
} from '../state.js';
import { avatar, updateAvatar } from './common.js';
import { presenceDot, updatePresenceDot } from './presence-dot.js';
import { SearchPanel, type SearchHandlers } from './search-panel.js';

export interface SidebarHandlers extends SearchHandlers {
  open(id: string): void;
  newDirect(): void;
  newGroup(): void;
  join(): void;
  logout(): void;
  /** The profile switcher was clicked: show the profile menu under it. */
  profileMenu(anchor: HTMLElement): void;
  /** Shows a page in the main pane. */
  page(page: Page): void;
  /** The conversation's menu button was clicked: pin, mute, hide, remark. */
  conversationMenu(anchor: HTMLElement, id: string): void;
}

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

interface Row {
  el: HTMLElement;
  avatar: HTMLElement;
  /** The partner's online dot (direct conversations). */
  dot: HTMLElement;
  name: HTMLElement;
  time: HTMLElement;
  preview: HTMLElement;
  badge: HTMLElement;
  mentions: HTMLElement;
  pinned: HTMLElement;
  muted: HTMLElement;
}

/** Left column: who you are, connection state, actions, and the conversation list. */
export class Sidebar {
  readonly el: HTMLElement;
  private readonly meName = h('span', { class: 'me-name', testid: 'me-name' });
  private readonly meHandle = h('span', { class: 'me-handle', testid: 'me-handle' });
  private readonly meAvatar = avatar('?', 'sm');
  private readonly requestsBadge = h('span', { class: 'badge', testid: 'friend-requests-badge', hidden: true });
  private readonly inboxBadge = h('span', { class: 'badge', testid: 'invitations-badge', hidden: true });
  private readonly navButtons = new Map<Page, HTMLButtonElement>();
  private readonly connection = h('span', {
    class: 'conn',
    testid: 'connection-state',
    role: 'status',
    'aria-live': 'polite',
  });
  private readonly list = h('ul', { class: 'conv-list', testid: 'conversation-list', role: 'list' });
  private readonly empty = h(
    'div',
    { class: 'conv-empty', testid: 'conversation-list-empty', hidden: true },
    h('p', {}, 'No conversations yet.'),
    h('p', { class: 'muted' }, 'Start a chat with someone, create a group, or join a room.'),
  );
  private readonly filter = h('input', {
    class: 'conv-filter',
    type: 'search',
    placeholder: 'Filter conversations',
    testid: 'conversation-filter',
    'aria-label': 'Filter conversations',
  });
  private readonly rows = new Map<string, Row>();
  private last: AppState | undefined;
  private readonly search: SearchPanel;

  constructor(private readonly handlers: SidebarHandlers) {
    // While the message search shows results, they take the conversation list's place (see styles.css).
    this.search = new SearchPanel(handlers, (active) => this.el.classList.toggle('searching', active));
    this.filter.addEventListener('input', () => this.last && this.update(this.last));
    this.el = h(
      'aside',
      { class: 'sidebar', testid: 'sidebar' },
      h(
        'header',
        { class: 'sidebar-head' },
        this.switcher(),
        h(
          'button',
          {
            class: 'icon-btn',
            type: 'button',
            title: 'Log out',
            'aria-label': 'Log out',
            testid: 'logout',
            onclick: () => handlers.logout(),
          },
          icon('logout'),
        ),
      ),
      h(
        'div',
        { class: 'sidebar-actions' },
        h(
          'button',
          { class: 'chip', type: 'button', testid: 'new-direct', onclick: () => handlers.newDirect() },
          icon('chat', 16),
          'New chat',
        ),
        h(
          'button',
          { class: 'chip', type: 'button', testid: 'new-group', onclick: () => handlers.newGroup() },
          icon('group', 16),
          'New group',
        ),
        h(
          'button',
          { class: 'chip', type: 'button', testid: 'join', onclick: () => handlers.join() },
          icon('hash', 16),
          'Join',
        ),
      ),
      h(
        'nav',
        { class: 'sidebar-nav', 'aria-label': 'Pages' },
        this.navButton('friends', 'friends', 'Friends', this.requestsBadge),
        this.navButton('invitations', 'inbox', 'Invitations', this.inboxBadge),
        this.navButton('sessions', 'devices', 'Devices'),
        this.navButton('account', 'account', 'Account'),
      ),
      h('div', { class: 'filter-wrap search-wrap' }, this.search.input),
      h('div', { class: 'filter-wrap' }, this.filter),
      h('nav', { class: 'conv-scroll', 'aria-label': 'Conversations' }, this.search.panel, this.list, this.empty),
    );
  }

  private switcher(): HTMLElement {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'me',
        id: 'profile-switcher',
        testid: 'profile-switcher',
        'aria-haspopup': 'menu',
        'aria-expanded': 'false',
        title: 'Switch or edit profile',
      },
      this.meAvatar,
      h('span', { class: 'me-text' }, h('span', { class: 'me-line' }, this.meName, this.meHandle), this.connection),
      icon('chevron', 16),
    );
    button.addEventListener('click', () => this.handlers.profileMenu(button));
    return button;
  }

  private navButton(page: Page, iconName: string, label: string, badge?: HTMLElement): HTMLButtonElement {
    const b = h(
      'button',
      { class: 'nav-item', type: 'button', testid: `nav-${page}`, onclick: () => this.handlers.page(page) },
      icon(iconName, 16),
      h('span', {}, label),
      badge,
    );
    this.navButtons.set(page, b);
    return b;
  }

  update(state: AppState): void {
    this.last = state;
    this.search.update(state);
    const me = state.me;
    const profile = state.profile?.id === me?.id ? state.profile : undefined;
    const name = profile?.displayName || me?.username || '';
    setText(this.meName, name);
    setText(this.meHandle, me ? `@${me.username}` : '');
    this.meHandle.hidden = !profile || profile.displayName === me?.username;
    updateAvatar(this.meAvatar, name || '?', profile?.avatar);
    setText(this.connection, CONNECTION_TEXT[state.connection]);
    this.connection.dataset['state'] = state.connection;
    const requests = state.social.incoming.length;
    this.requestsBadge.hidden = requests === 0;
    setText(this.requestsBadge, String(requests));
    const waiting = state.inbox.invitations.length + state.inbox.requests.length;
    this.inboxBadge.hidden = waiting === 0;
    setText(this.inboxBadge, String(waiting));
    for (const [page, b] of this.navButtons) {
      b.classList.toggle('active', state.page === page);
      b.setAttribute('aria-current', state.page === page ? 'page' : 'false');
    }

    const needle = this.filter.value.trim();
    const convs = sortedConversations(state).filter((c) => matchesFilter(c, state, needle));
    const keep = new Set(convs.map((c) => c.id));
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.el.remove();
        this.rows.delete(id);
      }
    }
    let prev: Element | null = null;
    for (const c of convs) {
      const row = this.rows.get(c.id) ?? this.createRow(c.id);
      this.fill(row, c, state);
      const expected: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (expected !== row.el) this.list.insertBefore(row.el, expected);
      prev = row.el;
    }
    this.empty.hidden = !state.listLoaded || state.conversations.size > 0;
  }

  private createRow(id: string): Row {
    const name = h('span', { class: 'conv-name', testid: 'conversation-name' });
    const time = h('span', { class: 'conv-time', testid: 'conversation-time' });
    const preview = h('span', { class: 'conv-preview', testid: 'conversation-preview' });
    const badge = h('span', { class: 'badge', testid: 'unread-badge', hidden: true });
    const mentions = h('span', { class: 'badge mention-badge', testid: 'mention-badge', hidden: true }, '@');
    const pinned = h('span', { class: 'conv-flag', testid: 'conversation-pinned', title: 'Pinned', hidden: true }, icon('pin', 14));
    const muted = h('span', { class: 'conv-flag', testid: 'conversation-muted', title: 'Muted', hidden: true }, icon('muted', 14));
    const av = avatar('?');
    const dot = presenceDot();
    const button = h(
      'button',
      { class: 'conv-item', type: 'button', onclick: () => this.handlers.open(id) },
      h('span', { class: 'avatar-wrap' }, av, dot),
      h(
        'span',
        { class: 'conv-body' },
        h('span', { class: 'conv-line' }, name, pinned, muted, time),
        h('span', { class: 'conv-line' }, preview, mentions, badge),
      ),
    );
    const menu = h(
      'button',
      {
        class: 'icon-btn conv-menu-btn',
        type: 'button',
        title: 'Conversation options',
        'aria-label': 'Conversation options',
        'aria-haspopup': 'menu',
        testid: 'conversation-menu',
      },
      icon('more', 18),
    );
    menu.addEventListener('click', (ev) => {
      ev.stopPropagation();
      this.handlers.conversationMenu(menu, id);
    });
    const el = h(
      'li',
      { class: 'conv-row', testid: 'conversation-item', 'data-conversation-id': id },
      button,
      menu,
    );
    const row = { el, avatar: av, dot, name, time, preview, badge, mentions, pinned, muted };
    this.rows.set(id, row);
    return row;
  }

  private fill(row: Row, c: Conversation, state: AppState): void {
    const name = titleOf(c, state);
    setText(row.name, name);
    const other = otherMember(c, state.me);
    updateAvatar(row.avatar, name, other ? state.social.people.get(other.id)?.avatar : state.groups.get(c.id)?.avatar);
    updatePresenceDot(row.dot, other ? state.contactPresence.get(other.id) : undefined);
    row.pinned.hidden = !c.settings.pinned;
    const muted = isMuted(c);
    row.muted.hidden = !muted;
    row.el.classList.toggle('muted-conv', muted);
    row.el.dataset['pinned'] = String(c.settings.pinned);
    row.el.dataset['muted'] = String(muted);
    row.avatar.classList.toggle('avatar-square', c.kind !== 'direct');
    row.el.dataset['kind'] = c.kind;
    row.el.dataset['dissolved'] = String(c.dissolved);
    row.el.dataset['removed'] = String(c.removed);
    row.el.classList.toggle('ended-conv', c.dissolved || c.removed);
    row.el.classList.toggle('active', state.openId === c.id);
    row.el.querySelector('button')?.setAttribute('aria-current', state.openId === c.id ? 'true' : 'false');
    setText(row.time, c.lastMessage ? formatListTime(c.lastMessage.at) : '');
    const lm = c.lastMessage;
    let preview = 'No messages yet';
    if (c.removed) preview = 'You were removed';
    else if (c.dissolved) preview = 'Dissolved';
    else if (lm) {
      const who = lm.sender === state.me?.username ? 'You' : c.kind === 'direct' ? '' : lm.sender;
      preview = who ? `${who}: ${lm.preview}` : lm.preview;
    }
    setText(row.preview, preview);
    row.preview.classList.toggle('muted', !lm || c.removed || c.dissolved);
    const n = unread(c);
    row.badge.hidden = n === 0;
    setText(row.badge, n > 99 ? '99+' : String(n));
    row.el.classList.toggle('unread', n > 0);
    // Shown even when muted: a mention is what a muted conversation still wants seen.
    const m = n > 0 ? c.unreadMentions : 0;
    row.mentions.hidden = m === 0;
    row.mentions.dataset['count'] = String(m);
    row.mentions.title = m === 1 ? 'You were mentioned' : `You were mentioned ${m} times`;
    row.mentions.setAttribute('aria-label', row.mentions.title);
    row.el.dataset['mentions'] = String(m);
  }
}
