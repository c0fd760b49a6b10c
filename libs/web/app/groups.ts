import {
  isSystemEntry,
  ParleyClientError,
  type Ban,
  type GroupChanges,
  type GroupMember,
  type GroupRole,
  type InvitationFrame,
  type InviteLink,
  type InviteLinkPreview,
  type JoinRequestFrame,
  type Notice,
  type ParleyClient,
  type User,
} from '@parley/sdk';
import type { Chat } from './chat.js';
import { describeError } from './errors.js';
import type { Store } from './state.js';

/** A page of the member list. */
export interface MemberPage {
  members: GroupMember[];
  next: string | null;
}

/**
 * The groups controller beside Chat: group profiles (settings, the user's role and mute, the current
 * notice), moderation, notices, invitations, join requests and invite links. It keeps each loaded
 * group's profile fresh (every change is a system entry in the timeline, so one arriving reloads it),
 * and the inbox fresh from the `invitation` and `join_request` events.
 */
export class Groups {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private inboxTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly chat: Chat,
  ) {}

  private get api(): ParleyClient {
    return this.chat.api;
  }

  attach(client: ParleyClient): void {
    client.on('ready', () => {
      void this.loadInbox();
      // Changes missed while away: the open group's profile again.
      const open = this.store.state.openId;
      if (open && this.store.state.groups.has(open)) this.scheduleGroup(open);
    });
    client.on('message', (m) => {
      if (isSystemEntry(m) && this.store.state.groups.has(m.conversation)) this.scheduleGroup(m.conversation);
    });
    client.on('conversation', (f) => {
      if ((f.event === 'updated' || f.event === 'dissolved') && this.store.state.groups.has(f.conversation)) this.scheduleGroup(f.conversation);
    });
    client.on('invitation', (f) => this.onInvitation(f));
    client.on('join_request', (f) => this.onJoinRequest(f));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.inboxTimer) clearTimeout(this.inboxTimer);
  }

  private onInvitation(f: InvitationFrame): void {
    if (f.event === 'received') this.chat.notify('info', `${f.invitedBy.username} invited you to ${f.name || 'a group'}.`);
    this.scheduleInbox();
  }

  private onJoinRequest(f: JoinRequestFrame): void {
    const me = this.store.state.me?.id;
    if (f.user.id === me && f.event === 'answered') {
      // The requester: approved means a `conversation` joined event brings the group.
      this.chat.notify('info', f.approved ? `You are in ${f.name || 'the group'} now.` : `Your request to join ${f.name || 'the group'} was refused.`);
    } else if (f.event === 'requested') {
      this.chat.notify('info', `${f.user.username} asks to join ${f.name || 'a group'}.`);
    }
    this.scheduleInbox();
  }

  // ---------- group profiles ----------

  /** Loads (or reloads) a group's or room's profile as the user sees it; a non-member's is dropped. */
  async loadGroup(id: string): Promise<void> {
    if (id.startsWith('d.')) return;
    try {
      const group = await this.api.group(id);
      if (this.stopped) return;
      this.store.update((s) => {
        s.groups.set(id, group);
        const conv = s.conversations.get(id);
        if (conv) {
          conv.role = group.myRole;
          conv.dissolved = group.dissolved;
          if (conv.kind !== 'direct' && group.name) conv.name = group.name;
        }
      });
    } catch (error) {
      if (error instanceof ParleyClientError && error.code === 'not_member') {
        this.store.update((s) => s.groups.delete(id));
      }
    }
  }

  private scheduleGroup(id: string): void {
    if (this.timers.has(id)) return;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        if (!this.stopped) void this.loadGroup(id);
      }, 150),
    );
  }

  async updateGroup(id: string, changes: GroupChanges): Promise<void> {
    const group = await this.api.updateGroup(id, changes);
    this.store.update((s) => {
      s.groups.set(id, group);
      const conv = s.conversations.get(id);
      if (conv && group.name) conv.name = group.name;
    });
  }

  // ---------- members ----------

  async members(id: string, options: { q?: string; after?: string; role?: GroupRole; limit?: number }): Promise<MemberPage> {
    return this.api.groupMembers(id, { limit: 50, ...options });
  }

  async setRole(id: string, userId: string, role: 'admin' | 'member'): Promise<void> {
    await this.api.setMemberRole(id, userId, role);
    await this.loadGroup(id);
  }

  async remove(id: string, userId: string, ban: boolean): Promise<void> {
    await this.api.removeMember(id, userId, { ban });
    await this.loadGroup(id);
  }

  async mute(id: string, userId: string, until: number): Promise<void> {
    await this.api.muteMember(id, userId, until);
    await this.loadGroup(id);
  }

  async transfer(id: string, userId: string): Promise<void> {
    await this.api.transferOwnership(id, userId);
    await this.loadGroup(id);
  }

  async dissolve(id: string): Promise<void> {
    await this.api.dissolve(id);
    this.store.update((s) => {
      const conv = s.conversations.get(id);
      if (conv) conv.dissolved = true;
    });
    await this.loadGroup(id);
  }

  async bans(id: string): Promise<Ban[]> {
    return this.api.bans(id);
  }

  async unban(id: string, userId: string): Promise<void> {
    return this.api.unban(id, userId);
  }

  // ---------- notices ----------

  async notices(id: string, before?: number): Promise<Notice[]> {
    return this.api.notices(id, { limit: 20, ...(before !== undefined ? { before } : {}) });
  }

  async postNotice(id: string, text: string): Promise<void> {
    await this.api.postNotice(id, text);
    await this.loadGroup(id);
  }

  async editNotice(id: string, noticeId: string, text: string): Promise<void> {
    await this.api.editNotice(id, noticeId, text);
    await this.loadGroup(id);
  }

  /** Marks the current notice read: its "new" marker goes at once; a failure brings it back. */
  markNoticeRead(id: string): void {
    const group = this.store.state.groups.get(id);
    const notice = group?.notice;
    if (!group || !notice || !group.noticeUnread) return;
    this.store.update((s) => s.groups.set(id, { ...group, noticeUnread: false }));
    Promise.resolve()
      .then(() => this.api.markNoticeRead(id, notice.id))
      .catch((error: unknown) => {
      this.store.update((s) => {
        const now = s.groups.get(id);
        if (now?.notice?.id === notice.id) s.groups.set(id, { ...now, noticeUnread: true });
      });
      this.fail('Could not mark the notice read', error);
    });
  }

  // ---------- invitations and join requests ----------

  /** Everything the inbox shows; on every (re)connect, since frames missed while away are not replayed. */
  async loadInbox(): Promise<void> {
    try {
      const [invitations, requests] = await Promise.all([this.api.invitations(), this.api.joinRequests()]);
      if (this.stopped) return;
      this.store.update((s) => {
        s.inbox = { loaded: true, invitations, requests };
      });
    } catch (error) {
      this.fail('Could not load your invitations', error);
    }
  }

  private scheduleInbox(): void {
    if (this.inboxTimer) return;
    this.inboxTimer = setTimeout(() => {
      this.inboxTimer = undefined;
      if (!this.stopped) void this.loadInbox();
    }, 100);
  }

  async invite(id: string, usernames: string[]): Promise<User[]> {
    return this.api.invite(id, usernames);
  }

  /** Accepts (the group's id once in; undefined while an admin has to approve) or declines an invitation. */
  async answerInvitation(conversationId: string, accept: boolean): Promise<string | undefined> {
    const outcome = await this.api.answerInvitation(conversationId, accept);
    this.store.update((s) => {
      s.inbox = { ...s.inbox, invitations: s.inbox.invitations.filter((i) => i.conversation.id !== conversationId) };
    });
    return outcome ? this.chat.joined(outcome) : undefined;
  }

  async answerJoinRequest(conversationId: string, userId: string, approve: boolean): Promise<void> {
    await this.api.answerJoinRequest(conversationId, userId, approve);
    this.store.update((s) => {
      s.inbox = { ...s.inbox, requests: s.inbox.requests.filter((r) => !(r.conversation.id === conversationId && r.user.id === userId)) };
    });
  }

  // ---------- invite links ----------

  async inviteLinks(id: string): Promise<InviteLink[]> {
    return this.api.inviteLinks(id);
  }

  async createInviteLink(id: string, expiresInSeconds: number, maxUses: number): Promise<InviteLink> {
    return this.api.createInviteLink(id, { expiresInSeconds, maxUses });
  }

  async revokeInviteLink(id: string, code: string): Promise<void> {
    return this.api.revokeInviteLink(id, code);
  }

  async previewLink(code: string): Promise<InviteLinkPreview> {
    return this.api.inviteLinkPreview(code);
  }

  private fail(what: string, error: unknown): void {
    if (!this.stopped) this.chat.notify('error', `${what}: ${describeError(error)}`);
  }
}

/** The address that joins by an invite link: this app's page with `#join=<code>`. */
export function inviteUrl(code: string): string {
  return `${location.origin}${location.pathname}#join=${encodeURIComponent(code)}`;
}

/** The code in an invite link (`…#join=<code>`) or a bare code; undefined if it is neither. */
export function inviteCodeOf(text: string): string | undefined {
  const t = text.trim();
  const m = /[#&]join=([A-Za-z0-9_-]{22})\b/.exec(t) ?? /^([A-Za-z0-9_-]{22})$/.exec(t);
  return m?.[1];
}
