import type { User } from '@parley/sdk';

/** The login kept in localStorage so a reload restores the session. */
export interface SavedSession {
  token: string;
  user: User;
  expiresAt: number;
}

const KEY = 'parley.session';

export function loadSession(): SavedSession | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as Partial<SavedSession>;
    if (typeof s.token !== 'string' || typeof s.user?.id !== 'string' || typeof s.user.username !== 'string')
      return undefined;
    const expiresAt = typeof s.expiresAt === 'number' ? s.expiresAt : Number.MAX_SAFE_INTEGER;
    if (expiresAt <= Date.now()) {
      clearSession();
      return undefined;
    }
    return { token: s.token, user: { id: s.user.id, username: s.user.username }, expiresAt };
  } catch {
    return undefined;
  }
}

export function saveSession(session: SavedSession): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    /* storage disabled: the session just won't survive a reload */
  }
}

export function clearSession(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* ignore */
  }
}

/**
 * Calls `listener` when another tab of this browser changes the saved session (a profile switch, a new
 * login, a logout). localStorage is shared by the tabs, so what one tab saves is every tab's session on
 * the next reload; a tab that follows the change at once never runs on a token the other tab ended.
 */
export function onSessionChange(listener: (session: SavedSession | undefined) => void): void {
  window.addEventListener('storage', (ev) => {
    if (ev.key === KEY || ev.key === null) listener(loadSession());
  });
}
