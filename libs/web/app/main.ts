import { ParleyClient } from '@parley/sdk';
import { Chat } from './chat.js';
import { h } from './dom.js';
import { clearSession, loadSession, saveSession, type SavedSession } from './session.js';
import { Store, displayName, unread } from './state.js';
import { authView } from './views/auth.js';
import { ConversationPane } from './views/conversation.js';
import {
  addMembersDialog,
  confirmLeaveDialog,
  joinDialog,
  newDirectDialog,
  newGroupDialog,
  type FormDeps,
} from './views/forms.js';
import { Notices } from './views/notices.js';
import { Sidebar } from './views/sidebar.js';

const url = location.origin;
const root = document.getElementById('app') ?? document.body;
const store = new Store();
let chat: Chat | undefined;
let unsubscribe: (() => void) | undefined;

function showAuth(message?: string): void {
  unsubscribe?.();
  unsubscribe = undefined;
  chat?.stop();
  chat = undefined;
  store.reset();
  document.querySelectorAll('.overlay').forEach((o) => o.remove());
  document.title = 'Parley';
  root.replaceChildren(authView({ login, register }, message));
  root.querySelector<HTMLInputElement>('#auth-username')?.focus();
}

async function login(username: string, password: string): Promise<void> {
  const res = await new ParleyClient({ url }).login(username, password);
  const session: SavedSession = { token: res.token, user: res.user, expiresAt: res.expiresAt };
  saveSession(session);
  startChat(session);
}

async function register(username: string, password: string): Promise<void> {
  await new ParleyClient({ url }).register(username, password);
  await login(username, password);
}

/** The conversation in the address (#/c/<id>), so a reload reopens it. */
function conversationFromHash(): string | undefined {
  const m = /^#\/c\/(.+)$/.exec(location.hash);
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

function startChat(session: SavedSession): void {
  const c = new Chat({
    url,
    store,
    onSessionEnded: (message) => {
      clearSession();
      showAuth(message);
    },
  });
  chat = c;
  const open = (id: string): void => {
    c.open(id || undefined);
    const hash = id ? `#/c/${encodeURIComponent(id)}` : '';
    if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
  };
  const deps: FormDeps = { chat: c, me: () => store.state.me?.username ?? '', open };
  const sidebar = new Sidebar({
    open,
    newDirect: () => newDirectDialog(deps),
    newGroup: () => newGroupDialog(deps),
    join: () => joinDialog(deps),
    logout: () => {
      clearSession();
      void c.logout().finally(() => showAuth('You have logged out.'));
    },
  });
  const pane = new ConversationPane({
    back: () => open(''),
    send: (id, text) => c.send(id, text),
    loadOlder: (id) => void c.loadOlder(id),
    retry: (id) => c.retry(id),
    discard: (id) => c.discard(id),
    addMembers: (conv, title, onAdded) => addMembersDialog(deps, conv.id, title, onAdded),
    leave: (conv, title) => confirmLeaveDialog(deps, conv.id, title, conv.kind === 'room' ? 'room' : 'group'),
    members: (id) => c.members(id),
    newDirect: () => newDirectDialog(deps),
    newGroup: () => newGroupDialog(deps),
    join: () => joinDialog(deps),
  });
  const notices = new Notices((id) => c.dismiss(id));
  const shell = h('div', { class: 'shell', testid: 'app-shell' }, sidebar.el, pane.el);
  root.replaceChildren(shell, notices.el);

  let wanted = conversationFromHash();
  unsubscribe?.();
  unsubscribe = store.subscribe((state) => {
    if (wanted && state.listLoaded) {
      const id = wanted;
      wanted = undefined;
      if (state.conversations.has(id)) c.open(id);
      else history.replaceState(null, '', location.pathname + location.search);
    }
    // The open conversation may have gone (left elsewhere): clear the address too.
    if (!state.openId && location.hash.startsWith('#/c/') && !wanted)
      history.replaceState(null, '', location.pathname + location.search);
    sidebar.update(state);
    pane.update(state);
    notices.update(state);
    shell.classList.toggle('show-pane', !!state.openId);
    let total = 0;
    for (const conv of state.conversations.values()) total += unread(conv);
    const open = state.openId ? state.conversations.get(state.openId) : undefined;
    document.title = `${total ? `(${total}) ` : ''}${open ? `${displayName(open, state.me)} · ` : ''}Parley`;
  });
  void c.start(session);
}

const saved = loadSession();
if (saved) startChat(saved);
else showAuth();
