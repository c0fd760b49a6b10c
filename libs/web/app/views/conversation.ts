import { h, setText } from '../dom.js';
import { icon } from '../icons.js';
import { formatLastSeen, plural } from '../format.js';
import type { Receipts } from '../receipts.js';
import { emptyTimeline, isAdmin, otherMember, roleIn, titleOf, writeBlock, type AppState, type Conversation, type Draft, type MentionCandidate } from '../state.js';
import { avatar, updateAvatar } from './common.js';
import { Composer } from './composer.js';
import type { GroupDeps } from './group-deps.js';
import { groupSettingsDialog } from './group-settings.js';
import { inviteDialog } from './invite-dialogs.js';
import { MembersPanel } from './members.js';
import { NoticeBanner } from './notice-banner.js';
import { noticeDialog, noticesDialog } from './notice-dialogs.js';
import { TimelineView, type TimelineHandlers } from './timeline.js';
import { describeError } from '../errors.js';
import type { MessageActions } from '../message-actions.js';
import { messageMenu } from './message-menu.js';
import { PinnedBar } from './pinned-bar.js';
import { UploadsBar, type UploadsBarHandlers } from './uploads-bar.js';
import { presenceDot, updatePresenceDot } from './presence-dot.js';
import { readersDialog } from './readers-dialog.js';
import { TypingLine } from './typing-line.js';

export interface ConversationHandlers extends Omit<TimelineHandlers, 'reply' | 'menu' | 'react' | 'saveEdit' | 'readers'> {
  /** Recall, edit, pin, react and forward, and the pinned messages. */
  actions: MessageActions;
  /** Read receipts: loaded on opening a conversation; a message's readers. */
  receipts: Receipts;
  /** Tells the conversation's other members that the user is typing, or stopped. */
  typing(conversation: string, typing: boolean): void;
  notify(kind: 'error' | 'info', text: string): void;
  back(): void;
  send(conversation: string, draft: Draft): string | undefined;
  /** Uploads files into a conversation (the draft is the first one's caption and reply); a sentence when they cannot go. */
  attach(conversation: string, files: File[], draft: Draft): string | undefined;
  /** Cancels an upload, or retries a failed one. */
  uploads: UploadsBarHandlers;
  /** Members to mention whose handle or name contains `query`. */
  mentionCandidates(conversation: string, query: string): Promise<MentionCandidate[]>;
  addMembers(conv: Conversation, title: string, onAdded: () => void): void;
  leave(conv: Conversation, title: string): void;
  /** Forgets a conversation the user was removed from (it is read-only). */
  drop(id: string): void;
  newDirect(): void;
  newGroup(): void;
  join(): void;
  /** The groups controller and what its dialogs need. */
  group: GroupDeps;
}

/** The main pane: the open conversation (header, messages, composer, members) or a welcome screen. */
export class ConversationPane {
  readonly el: HTMLElement;
  private readonly title = h('h1', { class: 'conv-title', testid: 'conversation-title' });
  private readonly subtitle = h('p', { class: 'conv-subtitle', testid: 'conversation-subtitle' });
  private readonly headAvatar = avatar('?');
  private readonly headDot = presenceDot();
  private readonly typingLine = new TypingLine();
  private readonly membersBtn: HTMLButtonElement;
  private readonly addBtn: HTMLButtonElement;
  private readonly leaveBtn: HTMLButtonElement;
  private readonly inviteBtn: HTMLButtonElement;
  private readonly settingsBtn: HTMLButtonElement;
  private readonly noticeBanner: NoticeBanner;
  private readonly pinnedBar: PinnedBar;
  private readonly timeline: TimelineView;
  private readonly composer: Composer;
  private readonly uploadsBar: UploadsBar;
  private readonly membersPanel: MembersPanel;
  private readonly chatView: HTMLElement;
  private readonly welcome: HTMLElement;
  private showMembers = false;
  private openId: string | undefined;
  private last: { state: AppState; conv: Conversation } | undefined;

  constructor(private readonly handlers: ConversationHandlers) {
    const actions = handlers.actions;
    this.timeline = new TimelineView({
      ...handlers,
      reply: (m) => this.composer.replyTo(m),
      menu: (anchor, m, edit) => {
        const l = this.last;
        if (l)
          messageMenu(anchor, m, l.conv, { actions, state: () => this.last?.state ?? l.state, notify: handlers.notify, reply: (x) => this.composer.replyTo(x), edit });
      },
      react: (m, emoji) => actions.toggleReaction(m, emoji),
      saveEdit: (m, content) =>
        actions.edit(m, content).catch((e: unknown) => {
          throw new Error(describeError(e));
        }),
      readers: (id, seq) => readersDialog(handlers.receipts.readers(id, seq)),
    });
    this.pinnedBar = new PinnedBar({ quote: (id, seq) => handlers.quote(id, seq), unpin: (id, seq) => actions.setPinned(id, seq, false) });
    this.composer = new Composer({ send: (id, draft) => handlers.send(id, draft), candidates: (id, q) => handlers.mentionCandidates(id, q), attach: (id, files, draft) => handlers.attach(id, files, draft), typing: (id, on) => handlers.typing(id, on) });
    this.uploadsBar = new UploadsBar(handlers.uploads);
    this.membersPanel = new MembersPanel(() => this.toggleMembers(false), handlers.group);
    const deps = handlers.group;
    this.noticeBanner = new NoticeBanner({
      read: (id) => deps.groups.markNoticeRead(id),
      history: (id) => noticesDialog(deps, id),
      edit: (id, notice) => noticeDialog(deps, id, notice),
    });
    this.inviteBtn = h(
      'button',
      { class: 'icon-btn', type: 'button', title: 'Invite people', 'aria-label': 'Invite people', testid: 'invite-members' },
      icon('userPlus'),
    );
    this.inviteBtn.addEventListener('click', () => {
      const l = this.last;
      if (l) inviteDialog(deps, l.conv.id, titleOf(l.conv, l.state));
    });
    this.settingsBtn = h(
      'button',
      { class: 'icon-btn', type: 'button', title: 'Group settings', 'aria-label': 'Group settings', testid: 'group-settings-toggle' },
      icon('settings'),
    );
    this.settingsBtn.addEventListener('click', () => {
      const l = this.last;
      if (l) groupSettingsDialog(deps, l.conv.id, titleOf(l.conv, l.state));
    });
    this.membersBtn = h(
      'button',
      {
        class: 'icon-btn',
        type: 'button',
        title: 'Members',
        'aria-label': 'Members',
        testid: 'members-toggle',
        onclick: () => this.toggleMembers(),
      },
      icon('people'),
    );
    this.addBtn = h(
      'button',
      {
        class: 'icon-btn',
        type: 'button',
        title: 'Add people',
        'aria-label': 'Add people',
        testid: 'add-members',
      },
      icon('add'),
    );
    this.leaveBtn = h(
      'button',
      {
        class: 'icon-btn',
        type: 'button',
        title: 'Leave',
        'aria-label': 'Leave',
        testid: 'leave-conversation',
      },
      icon('leave'),
    );
    this.addBtn.addEventListener('click', () => {
      const l = this.last;
      if (l) handlers.addMembers(l.conv, titleOf(l.conv, l.state), () => this.membersPanel.refresh());
    });
    this.leaveBtn.addEventListener('click', () => {
      const l = this.last;
      if (!l) return;
      if (l.conv.removed) handlers.drop(l.conv.id);
      else handlers.leave(l.conv, titleOf(l.conv, l.state));
    });
    const header = h(
      'header',
      { class: 'pane-head' },
      h(
        'button',
        {
          class: 'icon-btn back-btn',
          type: 'button',
          'aria-label': 'Back to conversations',
          testid: 'back',
          onclick: () => handlers.back(),
        },
        icon('back'),
      ),
      h('span', { class: 'avatar-wrap' }, this.headAvatar, this.headDot),
      h('div', { class: 'pane-titles' }, this.title, this.subtitle, this.typingLine.el),
      h('div', { class: 'pane-actions' }, this.membersBtn, this.inviteBtn, this.addBtn, this.settingsBtn, this.leaveBtn),
    );
    this.chatView = h(
      'section',
      { class: 'chat-view', testid: 'conversation-view', hidden: true },
      h('div', { class: 'chat-column' }, header, this.noticeBanner.el, this.pinnedBar.el, this.timeline.el, this.uploadsBar.el, this.composer.el),
      this.membersPanel.el,
    );
    this.dropFiles(this.chatView);
    this.welcome = h(
      'section',
      { class: 'welcome', testid: 'welcome' },
      h(
        'div',
        { class: 'welcome-card' },
        h('span', { class: 'brand-mark big', 'aria-hidden': 'true' }, 'P'),
        h('h2', {}, 'Welcome to Parley'),
        h('p', { class: 'muted' }, 'Pick a conversation on the left, or start a new one.'),
        h(
          'div',
          { class: 'welcome-actions' },
          h(
            'button',
            { class: 'btn btn-primary', type: 'button', onclick: () => handlers.newDirect() },
            'New chat',
          ),
          h('button', { class: 'btn', type: 'button', onclick: () => handlers.newGroup() }, 'New group'),
          h('button', { class: 'btn', type: 'button', onclick: () => handlers.join() }, 'Join a room'),
        ),
      ),
    );
    this.el = h('main', { class: 'pane', testid: 'pane' }, this.welcome, this.chatView);
  }

  /** Files dragged over the conversation are marked as welcome (data-drop="true"), and dropped ones uploaded. */
  private dropFiles(zone: HTMLElement): void {
    const carriesFiles = (ev: DragEvent): boolean => !!ev.dataTransfer?.types.includes('Files') && this.composer.accepting;
    let depth = 0;
    const mark = (on: boolean): void => {
      if (on) zone.dataset['drop'] = 'true';
      else delete zone.dataset['drop'];
    };
    zone.addEventListener('dragenter', (ev) => {
      if (!carriesFiles(ev)) return;
      ev.preventDefault();
      depth++;
      mark(true);
    });
    zone.addEventListener('dragover', (ev) => {
      if (!carriesFiles(ev)) return;
      ev.preventDefault();
      if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'copy';
    });
    zone.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) mark(false);
    });
    zone.addEventListener('drop', (ev) => {
      depth = 0;
      mark(false);
      const files = [...(ev.dataTransfer?.files ?? [])];
      if (!files.length || !this.composer.accepting) return;
      ev.preventDefault();
      this.composer.attach(files);
    });
  }

  private toggleMembers(on = !this.showMembers): void {
    this.showMembers = on;
    this.membersBtn.setAttribute('aria-pressed', String(on));
    if (this.last) this.update(this.last.state);
  }

  update(state: AppState): void {
    // A page (friends, devices, account) takes the pane's place.
    const conv = state.openId && !state.page ? state.conversations.get(state.openId) : undefined;
    this.welcome.hidden = !!conv || !!state.page;
    this.chatView.hidden = !conv;
    if (!conv) {
      this.openId = undefined;
      this.last = undefined;
      return;
    }
    this.last = { state, conv };
    const switched = this.openId !== conv.id;
    this.openId = conv.id;
    if (switched && conv.kind === 'direct') this.showMembers = false;
    // A group's profile (role, settings, notice) is loaded each time it is opened, then kept fresh.
    if (switched && conv.kind !== 'direct' && !conv.removed) void this.handlers.group.groups.loadGroup(conv.id);
    if (switched && !conv.removed) void this.handlers.actions.loadPins(conv.id);
    if (switched && !conv.removed && conv.kind !== 'room') void this.handlers.receipts.load(conv.id);

    const name = titleOf(conv, state);
    setText(this.title, name);
    updateAvatar(this.headAvatar, name, state.groups.get(conv.id)?.avatar);
    this.headAvatar.classList.toggle('avatar-square', conv.kind !== 'direct');
    this.renderSubtitle(state, conv);
    this.typingLine.update(state, conv);
    const group = state.groups.get(conv.id);
    const ended = conv.dissolved || conv.removed || !!group?.dissolved;
    this.membersBtn.hidden = conv.kind === 'direct' || conv.removed;
    this.inviteBtn.hidden = conv.kind !== 'group' || ended;
    this.addBtn.hidden = conv.kind !== 'group' || ended || !isAdmin(roleIn(conv, state));
    this.settingsBtn.hidden = conv.kind === 'direct' || conv.removed;
    this.leaveBtn.hidden = conv.kind === 'direct';
    this.leaveBtn.title = conv.removed ? 'Remove from the list' : 'Leave';
    this.leaveBtn.setAttribute('aria-label', this.leaveBtn.title);
    this.chatView.dataset['kind'] = conv.kind;
    this.chatView.dataset['dissolved'] = String(conv.dissolved || !!group?.dissolved);
    this.chatView.dataset['removed'] = String(conv.removed);
    this.chatView.dataset['role'] = roleIn(conv, state) ?? '';

    this.noticeBanner.update(conv.removed ? undefined : group, ended);
    this.pinnedBar.update(state, conv);
    this.timeline.update(state, conv, state.timelines.get(conv.id) ?? emptyTimeline());
    this.uploadsBar.update(state, conv);
    this.composer.show({ id: conv.id, mentions: conv.kind !== 'direct', mentionAll: conv.kind !== 'direct' && isAdmin(roleIn(conv, state)) });
    this.composer.block(writeBlock(conv, state));
    this.membersPanel.update(state, conv, this.showMembers && conv.kind !== 'direct' && !conv.removed);
    if (switched) this.composer.focus();
  }

  private renderSubtitle(state: AppState, conv: Conversation): void {
    this.subtitle.replaceChildren();
    if (conv.kind === 'direct') {
      const other = otherMember(conv, state.me);
      const seen = other ? state.contactPresence.get(other.id) : undefined;
      updatePresenceDot(this.headDot, seen);
      this.subtitle.append('Direct message');
      if (seen?.online) this.subtitle.append(' · ', h('span', { testid: 'online' }, 'online'));
      else if (seen?.lastSeen) this.subtitle.append(' · ', h('span', { testid: 'last-seen' }, formatLastSeen(seen.lastSeen)));
      return;
    }
    updatePresenceDot(this.headDot, undefined);
    const presence = state.presence.get(conv.id);
    const members = presence?.members ?? conv.memberCount;
    const group = state.groups.get(conv.id);
    if (conv.removed || conv.dissolved || group?.dissolved) {
      const what = conv.kind === 'room' ? 'Room' : 'Group';
      this.subtitle.append(h('span', { class: 'tag', testid: 'conversation-ended' }, conv.removed ? 'You were removed' : 'Dissolved'), ` · ${what}`);
      return;
    }
    if (conv.kind === 'room') {
      this.subtitle.append(
        h('span', { class: 'online-dot', 'aria-hidden': 'true' }),
        h('span', { testid: 'room-online' }, presence ? `${presence.online} online` : '… online'),
        ` · ${plural(members, 'member')} · Room`,
      );
    } else {
      this.subtitle.append(`${plural(members, 'member')} · Group`);
    }
  }
}
