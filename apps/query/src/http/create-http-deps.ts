import type { Logger } from '@parley/core';
import { createAuthenticator, type TokenService } from '@parley/auth';
import {
  CodeRepository,
  ConversationRepository,
  FriendRepository,
  LoginRepository,
  MessageRepository,
  PersonalDataVault,
  ProfileRepository,
  SessionRepository,
  SettingsRepository,
  type ParleyDb,
} from '@parley/store';
import type { HttpAppDeps } from './http-app-deps.js';

/** The store-backed half of the HTTP app's deps, the same in both modes (single node: PGlite; distributed: PostgreSQL). */
export function createHttpDeps(
  db: ParleyDb,
  tokens: TokenService,
  logger: Logger,
): Pick<HttpAppDeps, 'logins' | 'profiles' | 'friends' | 'settings' | 'sessions' | 'codes' | 'vault' | 'conversations' | 'messages' | 'tokens' | 'authenticate'> {
  const sessions = new SessionRepository(db);
  return {
    logins: new LoginRepository(db),
    profiles: new ProfileRepository(db),
    friends: new FriendRepository(db),
    settings: new SettingsRepository(db),
    sessions,
    codes: new CodeRepository(db),
    vault: new PersonalDataVault(db),
    conversations: new ConversationRepository(db),
    messages: new MessageRepository(db),
    tokens,
    // A token is good when signed, unexpired and not revoked; each use counts as activity in the sessions list.
    authenticate: createAuthenticator(tokens, (id) => sessions.isRevoked(id), sessions.activityRecorder(logger)),
  };
}
