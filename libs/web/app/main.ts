import { AttachmentUrls } from './attachment-urls.js';
import { MessageActions } from './message-actions.js';
import { captionOf, Uploads } from './uploads.js';
import { ParleyClient } from '@parley/sdk';
import { Chat } from './chat.js';
import { ContactPresence } from './contact-presence.js';
import { h } from './dom.js';
import { Groups } from './groups.js';
import { clearSession, loadSession, onSessionChange, saveSession, type SavedSession } from './session.js';
import { Receipts } from './receipts.js';
import { Social } from './social.js';
import { Store, isMuted, titleOf, unread, type Page } from './state.js';
import { Typing } from './typing.js';
import { AccountPage } from './views/account-page.js';
import { conversationMenu, profileMenu } from './views/app-menus.js';
import { authView, type RegisterDetails } from './views/auth.js';
import { ConversationPane } from './views/conversation.js';
import {
  addMembersDialog,
  confirmLeaveDialog,
  joinDialog,
  newDirectDialog,
  newGroupDialog,
  type FormDeps,
} from './views/forms.js';
import { FriendsPage } from './views/friends-page.js';
import type { GroupDeps } from './views/group-deps.js';
import { InboxPage } from './views/inbox-page.js';
import { joinLinkDialog } from './views/invite-dialogs.js';
import { Notices } from './views/notices.js';
import { editProfileDialog, newProfileDialog } from './views/profile-forms.js';
import { SessionsPage } from './views/sessions-page.js';
import { Sidebar } from './views/sidebar.js';

const url = location.origin;
/** What this app calls itself in the sessions list. */
const clientName = `Parley web (${browserName()})`;
const root = document.getElementById('app') ?? document.body;
const store = new Store();
let chat: Chat | undefined;
let social: Social | undefined;
let groups: Groups | undefined;
let uploads: Uploads | undefined;
let typing: Typing | undefined;
/** Shows an invite link's group and joins on confirmation (set while the app runs). */
let joinByLink: ((code: string) => void) | undefined;
let unsubscribe: (() => void) | undefined;
/** The session the running app uses (undefined on the login screen). */
let running: SavedSession | undefined;

function stopApp(): void {
  unsubscribe?.();
  unsubscribe = undefined;
  social?.stop();
  social = undefined;
  groups?.stop();
  groups = undefined;
  uploads?.stop();
  uploads = undefined;
  typing?.stop();
  typing = undefined;
  joinByLink = undefined;
  chat?.stop();
  chat = undefined;
  running = undefined;
  store.reset();
  document.querySelectorAll('.overlay, .menu').forEach((o) => o.remove());
}

function showAuth(message?: string): void {
  stopApp();
  document.title = 'Parley';
  root.replaceChildren(authView({ login, register, requestReset, confirmReset }, message));
  root.querySelector<HTMLInputElement>('#auth-username')?.focus();
}

async function login(username: string, password: string): Promise<void> {
  const res = await new ParleyClient({ url, clientName }).login(username, password);
  const session: SavedSession = { token: res.token, user: res.user, expiresAt: res.expiresAt };
  saveSession(session);
  startChat(session);
}

async function register(username: string, password: string, details: RegisterDetails): Promise<void> {
  await new ParleyClient({ url }).register(username, password, details);
  await login(username, password);
}

function requestReset(loginName: string): Promise<void> {
  return new ParleyClient({ url }).requestPasswordReset(loginName);
}

function confirmReset(loginName: string, code: string, password: string): Promise<void> {
  return new ParleyClient({ url }).confirmPasswordReset(loginName, code, password);
}

/**
 * Signs in as another profile of the login without the password: a fresh app for it (conversations,
 * friends and settings are the profile's), and the previous profile's session on this device ended.
 */
async function switchProfile(to: string): Promise<SavedSession | undefined> {
  const old = loadSession();
  if (!old) return undefined;
  const api = new ParleyClient({ url, clientName });
  api.useToken(old.token, old.user);
  const res = await api.switchProfile(to);
  const session: SavedSession = { token: res.token, user: res.user, expiresAt: res.expiresAt };
  saveSession(session);
  startChat(session, `You are now ${res.profile.displayName} (@${res.user.username}).`);
  // The old app is stopped (its socket closed) before its token is: no "logged out" screen.
  const previous = new ParleyClient({ url });
  previous.useToken(old.token, old.user);
  previous.logout().catch(() => undefined);
  return session;
}

/** Deletes the current profile: first continue as another profile of the login, then delete it from there. */
async function deleteCurrentProfile(id: string, next: string): Promise<void> {
  const session = await switchProfile(next);
  if (!session) return;
  const api = new ParleyClient({ url });
  api.useToken(session.token, session.user);
  await api.deleteProfile(id);
  chat?.notify('info', 'The profile was deleted.');
  void social?.load();
}

/**
 * The address: #/c/<id> for a conversation, #/friends, #/invitations, #/sessions, #/account for a page,
 * #join=<code> for an invite link.
 */
type Route = { conversation: string } | { page: Page } | { join: string } | undefined;

function routeFromHash(): Route {
  const page = /^#\/(friends|invitations|sessions|account)$/.exec(location.hash)?.[1];
  if (page) return { page: page as Page };
  const code = /^#join=([A-Za-z0-9_-]{22})$/.exec(location.hash)?.[1];
  if (code) return { join: code };
  const m = /^#\/c\/(.+)$/.exec(location.hash);
  if (!m?.[1]) return undefined;
  try {
    return { conversation: decodeURIComponent(m[1]) };
  } catch {
    return undefined;
  }
}

function setHash(hash: string): void {
  if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
}

function startChat(session: SavedSession, greeting?: string): void {
  stopApp();
  // Chat hands its client to Social (attach runs at start), and Social calls Chat's actions.
  const c: Chat = new Chat({
    url,
    store,
    onSessionEnded: (message) => {
      // Another tab switched profiles (and ended this token) or logged in again: continue with its session.
      // Clearing the saved session here would sign that tab out too, on its next reload.
      const saved = loadSession();
      if (saved && saved.token !== session.token) return startChat(saved);
      clearSession();
      showAuth(message);
    },
    attach: (client) => {
      s.attach(client);
      g.attach(client);
      ma.attach(client);
      rc.attach(client);
      ty.attach(client);
      cp.attach(client);
    },
  });
  const s = new Social(store, c);
  const g = new Groups(store, c);
  const ma = new MessageActions(store, c);
  const rc = new Receipts(store, c);
  const ty = new Typing(store);
  const cp = new ContactPresence(store);
  const up = new Uploads(store, c);
  const urls = new AttachmentUrls(() => c.api);
  chat = c;
  uploads = up;
  typing = ty;
  social = s;
  groups = g;
  running = session;
  const open = (id: string): void => {
    store.update((st) => (st.page = undefined));
    c.open(id || undefined);
    setHash(id ? `#/c/${encodeURIComponent(id)}` : '');
  };
  const showPage = (page: Page): void => {
    store.update((st) => (st.page = page));
    setHash(`#/${page}`);
    if (page === 'sessions') void sessionsPage.load();
    if (page === 'invitations') void g.loadInbox();
  };
  const back = (): void => {
    store.update((st) => (st.page = undefined));
    open('');
  };
  const logout = (): void => {
    clearSession();
    void c.logout().finally(() => showAuth('You have logged out.'));
  };
  const message = async (handle: string): Promise<void> => open(await c.startDirect(handle));
  const notify = (kind: 'error' | 'info', text: string): void => c.notify(kind, text);
  const groupDeps: GroupDeps = { groups: g, chat: c, state: () => store.state, open, notify };
  const joinLink = (code: string): void => {
    setHash(store.state.openId ? `#/c/${encodeURIComponent(store.state.openId)}` : '');
    joinLinkDialog(groupDeps, code, (id) => {
      open(id);
      c.notify('info', 'You joined the group.');
    });
  };
  joinByLink = joinLink;
  const deps: FormDeps = { chat: c, me: () => store.state.me?.username ?? '', open, joinLink };
  const sidebar = new Sidebar({
    open,
    newDirect: () => newDirectDialog(deps),
    newGroup: () => newGroupDialog(deps),
    join: () => joinDialog(deps),
    logout,
    page: showPage,
    profileMenu: (anchor) =>
      profileMenu(anchor, store.state, {
        switchTo: (id) => void switchProfile(id).catch((e: unknown) => c.notify('error', `Could not switch profiles: ${String(e instanceof Error ? e.message : e)}`)),
        edit: () => {
          const p = store.state.profile;
          const next = store.state.profiles.find((o) => o.id !== p?.id);
          if (p) editProfileDialog(s, p, next ? () => deleteCurrentProfile(p.id, next.id) : undefined);
        },
        create: () => newProfileDialog(s, async (p) => void (await switchProfile(p.id))),
        logout,
      }),
    search: (q, cursor) => c.api.searchMessages(q, { cursor }),
    reveal: (id, seq) => {
      open(id);
      void c.reveal(id, seq);
    },
    conversationMenu: (anchor, id) => conversationMenu(anchor, id, store.state, s, (kind, text) => c.notify(kind, text)),
  });
  const pane = new ConversationPane({
    back: () => open(''),
    send: (id, draft) => c.send(id, draft),
    attach: (id, files, draft) => up.add(id, files, captionOf(draft)),
    uploads: { cancel: (key) => up.cancel(key), retry: (key) => up.retry(key) },
    attachmentUrl: (id, seq, variant, fresh) => urls.url(id, seq, variant, fresh),
    mentionCandidates: (id, query) => c.mentionCandidates(id, query),
    quote: (id, seq) => c.quote(id, seq),
    card: (id) => c.card(id),
    loadOlder: (id) => void c.loadOlder(id),
    retry: (id) => c.retry(id),
    discard: (id) => c.discard(id),
    addMembers: (conv, title, onAdded) => addMembersDialog(deps, conv.id, title, onAdded),
    leave: (conv, title) => confirmLeaveDialog(deps, conv.id, title, conv.kind === 'room' ? 'room' : 'group'),
    drop: (id) => {
      c.drop(id);
      open('');
    },
    group: groupDeps,
    actions: ma,
    receipts: rc,
    typing: (id, on) => ty.send(id, on),
    notify,
    newDirect: () => newDirectDialog(deps),
    newGroup: () => newGroupDialog(deps),
    join: () => joinDialog(deps),
  });
  const friendsPage = new FriendsPage(s, { back, message, notify: (kind, text) => c.notify(kind, text) });
  const sessionsPage = new SessionsPage(s, back);
  const inboxPage = new InboxPage(groupDeps, back);
  const accountPage = new AccountPage(s, {
    back,
    deleted: () => {
      clearSession();
      showAuth('Your login was deleted.');
    },
  });
  const pages: Record<Page, HTMLElement> = { friends: friendsPage.el, invitations: inboxPage.el, sessions: sessionsPage.el, account: accountPage.el };
  pane.el.append(...Object.values(pages));
  const notices = new Notices((id) => c.dismiss(id));
  const shell = h('div', { class: 'shell', testid: 'app-shell' }, sidebar.el, pane.el);
  root.replaceChildren(shell, notices.el);

  let wanted = routeFromHash();
  if (wanted && 'page' in wanted) {
    showPage(wanted.page);
    wanted = undefined;
  }
  unsubscribe = store.subscribe((state) => {
    // An invite link waits for the connected client (the list loads once it exists).
    if (wanted && 'join' in wanted && state.listLoaded) {
      const code = wanted.join;
      wanted = undefined;
      joinLink(code);
    }
    if (wanted && 'conversation' in wanted && state.listLoaded) {
      const id = wanted.conversation;
      wanted = undefined;
      if (state.conversations.has(id)) c.open(id);
      else setHash('');
    }
    // The open conversation may have gone (left elsewhere): clear the address too.
    if (!state.openId && !state.page && location.hash.startsWith('#/c/') && !wanted) setHash('');
    for (const [page, el] of Object.entries(pages)) el.hidden = state.page !== page;
    sidebar.update(state);
    pane.update(state);
    friendsPage.update(state);
    inboxPage.update(state);
    accountPage.update(state);
    notices.update(state);
    shell.classList.toggle('show-pane', !!state.openId || !!state.page);
    let total = 0;
    for (const conv of state.conversations.values()) if (!isMuted(conv)) total += unread(conv);
    const openConv = state.openId && !state.page ? state.conversations.get(state.openId) : undefined;
    document.title = `${total ? `(${total}) ` : ''}${openConv ? `${titleOf(openConv, state)} · ` : ''}Parley`;
  });
  void c.start(session);
  if (greeting) c.notify('info', greeting);
}

function browserName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

// An invite link opened while the app runs (pasted into the address bar, or clicked in a message).
window.addEventListener('hashchange', () => {
  const route = routeFromHash();
  if (route && 'join' in route && joinByLink) joinByLink(route.join);
});

onSessionChange((session) => {
  if (session && session.token !== running?.token) {
    startChat(session, `Signed in as @${session.user.username} (changed in another tab).`);
  }
});

const saved = loadSession();
if (saved) startChat(saved);
else showAuth();
