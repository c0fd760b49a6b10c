import type {
  ConversationSettingsBody,
  FriendFrame,
  OwnProfile,
  ParleyClient,
  PeopleResponse,
  PublicProfile,
  Session,
  SettingsFrame,
  UpdateProfileBody,
} from '@parley/sdk';
import type { Chat } from './chat.js';
import { describeError } from './errors.js';
import type { AppState, Store } from './state.js';

/**
 * The social layer's controller beside Chat: the profile and its login, friends, requests, blocks,
 * remarks, sessions, the account, and per-conversation settings. It turns the `friend`, `block`,
 * `remark`, `profile` and `settings` events into state, and offers the actions the views call.
 */
export class Social {
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly chat: Chat,
  ) {}

  private get api(): ParleyClient {
    return this.chat.api;
  }

  attach(client: ParleyClient): void {
    client.on('ready', () => void this.load());
    client.on('friend', (f) => this.onFriend(f));
    client.on('block', () => this.scheduleReload());
    client.on('remark', (r) =>
      this.store.update((s) => {
        if (r.remark) s.social.remarks.set(r.contact, r.remark);
        else s.social.remarks.delete(r.contact);
        s.social.friends = s.social.friends.map((f) => (f.profile.id === r.contact ? { ...f, remark: r.remark } : f));
      }),
    );
    // Our own profile changed on another device, or a friend's did (their name in the friends list).
    client.on('profile', (f) => (f.id === this.store.state.profile?.id ? void this.loadProfiles() : this.scheduleReload()));
    client.on('settings', (f) => this.onSettings(f));
  }

  stop(): void {
    this.stopped = true;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }

  /** Everything the social pages show; on every (re)connect, since frames missed while away are not replayed. */
  async load(): Promise<void> {
    await Promise.all([this.loadProfiles(), this.loadRelations()]);
  }

  private async loadProfiles(): Promise<void> {
    try {
      const [me, profiles] = await Promise.all([this.api.fetchMe(), this.api.profiles()]);
      if (this.stopped) return;
      this.store.update((s) => {
        s.profile = me.profile;
        s.login = me.login;
        s.profiles = profiles;
      });
    } catch (error) {
      this.fail('Could not load your profile', error);
    }
  }

  private async loadRelations(): Promise<void> {
    try {
      const [friends, requests, blocked] = await Promise.all([this.api.friends(), this.api.friendRequests(), this.api.blocks()]);
      if (this.stopped) return;
      this.store.update((s) => {
        const social = s.social;
        social.friends = friends;
        social.incoming = requests.incoming;
        social.outgoing = requests.outgoing;
        social.blocked = blocked;
        for (const f of friends) {
          remember(s, f.profile);
          if (f.remark) social.remarks.set(f.profile.id, f.remark);
        }
        for (const r of [...requests.incoming, ...requests.outgoing]) {
          remember(s, r.from);
          remember(s, r.to);
        }
        for (const b of blocked) remember(s, b.profile);
        social.loaded = true;
      });
    } catch (error) {
      this.fail('Could not load your friends', error);
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      if (!this.stopped) void this.loadRelations();
    }, 100);
  }

  private onFriend(f: FriendFrame): void {
    const me = this.store.state.me?.id;
    const name = (u: { id: string; username: string }): string =>
      this.store.state.social.people.get(u.id)?.displayName || u.username || 'Someone';
    if (f.event === 'requested' && f.to.id === me) this.chat.notify('info', `${name(f.from)} sent you a friend request.`);
    if (f.event === 'accepted' && f.from.id === me) this.chat.notify('info', `${name(f.to)} accepted your friend request.`);
    this.scheduleReload();
  }

  private onSettings(f: SettingsFrame): void {
    const conv = this.store.state.conversations.get(f.conversation);
    if (!conv) {
      // Unhidden on another device: it is listed again.
      if (!f.settings.hidden) void this.chat.refreshList();
      return;
    }
    this.store.update(() => {
      conv.settings = { ...f.settings };
    });
  }

  // ---------- conversations ----------

  /** Applies at once, then asks the server; the answer (or a failure) settles it. */
  async setConversationSettings(id: string, changes: ConversationSettingsBody): Promise<void> {
    const conv = this.store.state.conversations.get(id);
    const before = conv?.settings;
    if (conv) this.store.update(() => (conv.settings = { ...conv.settings, ...changes }));
    if (changes.hidden && this.store.state.openId === id) this.chat.open(undefined);
    try {
      const settings = await this.api.setConversationSettings(id, changes);
      const now = this.store.state.conversations.get(id);
      if (now) this.store.update(() => (now.settings = settings));
    } catch (error) {
      if (conv && before) this.store.update(() => (conv.settings = before));
      throw error;
    }
  }

  // ---------- people ----------

  async searchPeople(q: string, after?: string): Promise<PeopleResponse> {
    const page = await this.api.searchUsers(q, { limit: 20, ...(after ? { after } : {}) });
    this.store.update((s) => {
      for (const u of page.users) s.social.people.set(u.id, { displayName: u.displayName, avatar: u.avatar });
    });
    return page;
  }

  async sendFriendRequest(profile: string, note: string): Promise<void> {
    const request = await this.api.sendFriendRequest(profile, note);
    this.store.update((s) => {
      if (!s.social.outgoing.some((r) => r.id === request.id)) s.social.outgoing = [...s.social.outgoing, request];
      remember(s, request.to);
    });
  }

  async accept(requestId: string): Promise<void> {
    await this.api.acceptFriendRequest(requestId);
    this.dropRequest(requestId);
    await this.loadRelations();
  }

  async refuse(requestId: string): Promise<void> {
    await this.api.refuseFriendRequest(requestId);
    this.dropRequest(requestId);
  }

  async cancel(requestId: string): Promise<void> {
    await this.api.cancelFriendRequest(requestId);
    this.dropRequest(requestId);
  }

  async removeFriend(profile: string): Promise<void> {
    await this.api.removeFriend(profile);
    this.store.update((s) => (s.social.friends = s.social.friends.filter((f) => f.profile.id !== profile)));
  }

  async block(profile: string): Promise<void> {
    await this.api.block(profile);
    await this.loadRelations();
  }

  async unblock(profile: string): Promise<void> {
    await this.api.unblock(profile);
    this.store.update((s) => (s.social.blocked = s.social.blocked.filter((b) => b.profile.id !== profile)));
  }

  async setRemark(profile: string, remark: string): Promise<void> {
    const stored = await this.api.setRemark(profile, remark);
    this.store.update((s) => {
      if (stored) s.social.remarks.set(profile, stored);
      else s.social.remarks.delete(profile);
      s.social.friends = s.social.friends.map((f) => (f.profile.id === profile ? { ...f, remark: stored } : f));
    });
  }

  private dropRequest(id: string): void {
    this.store.update((s) => {
      s.social.incoming = s.social.incoming.filter((r) => r.id !== id);
      s.social.outgoing = s.social.outgoing.filter((r) => r.id !== id);
    });
  }

  // ---------- profiles and account ----------

  async updateProfile(id: string, changes: UpdateProfileBody): Promise<void> {
    const profile = await this.api.updateProfile(id, changes);
    this.store.update((s) => {
      s.profiles = s.profiles.map((p) => (p.id === id ? profile : p));
      if (s.profile?.id === id) s.profile = profile;
    });
  }

  async createProfile(handle: string, displayName: string | undefined): Promise<OwnProfile> {
    const profile = await this.api.createProfile(handle, displayName);
    this.store.update((s) => (s.profiles = [...s.profiles.filter((p) => p.id !== profile.id), profile]));
    return profile;
  }

  /** Deletes another profile of the login (the current one is deleted from the profile that follows it). */
  async deleteProfile(id: string): Promise<void> {
    await this.api.deleteProfile(id);
    this.store.update((s) => (s.profiles = s.profiles.filter((p) => p.id !== id)));
  }

  sessions(): Promise<Session[]> {
    return this.api.sessions();
  }

  revokeSession(id: string): Promise<void> {
    return this.api.revokeSession(id);
  }

  requestEmailCode(email: string): Promise<void> {
    return this.api.requestEmailCode(email);
  }

  async verifyEmail(code: string): Promise<void> {
    const login = await this.api.verifyEmail(code);
    this.store.update((s) => (s.login = login));
  }

  changePassword(current: string, password: string): Promise<void> {
    return this.api.changePassword(current, password);
  }

  deleteLogin(password: string): Promise<void> {
    return this.api.deleteLogin(password);
  }

  private fail(what: string, error: unknown): void {
    if (!this.stopped) this.chat.notify('error', `${what}: ${describeError(error)}`);
  }
}

function remember(s: AppState, p: PublicProfile): void {
  s.social.people.set(p.id, { displayName: p.displayName, avatar: p.avatar });
}
