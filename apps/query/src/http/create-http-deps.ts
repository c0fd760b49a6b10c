import type { Logger } from '@parley/core';
import { PasswordHasher, createAuthenticator, type TokenService } from '@parley/auth';
import { createMailer, type MailConfig } from '@parley/mail';
import {
  CodeRepository,
  ConversationRepository,
  FriendRepository,
  GroupRepository,
  LoginRepository,
  MessageRepository,
  PersonalDataVault,
  ProfileRepository,
  SessionRepository,
  SettingsRepository,
  type ParleyDb,
} from '@parley/store';
import type { HttpAppDeps } from './http-app-deps.js';

/** The settings of the HTTP app both modes read from their config (README and docs/OPERATIONS.md "query"). */
export interface HttpSettings {
  readonly authPerMinute: number;
  readonly apiPerMinute: number;
  readonly maxGroupMembers: number;
  readonly mail: MailConfig;
}

/**
 * The HTTP app's deps that are the same in both modes (single node: PGlite; distributed: PostgreSQL): the
 * store, tokens, passwords, mail and limits. The caller adds the command bus and its own readiness.
 */
export function createHttpDeps(
  db: ParleyDb,
  tokens: TokenService,
  logger: Logger,
  settings: HttpSettings,
): Omit<HttpAppDeps, 'commands' | 'ready' | 'health' | 'staticDir' | 'trustProxy'> {
  const sessions = new SessionRepository(db);
  return {
    hasher: new PasswordHasher(),
    mail: createMailer(settings.mail, logger),
    logger,
    limits: {
      authPerMinute: settings.authPerMinute,
      apiPerMinute: settings.apiPerMinute,
      maxGroupMembers: settings.maxGroupMembers,
      maxProfilesPerLogin: settings.mail.maxProfilesPerLogin,
      codeTtlMs: settings.mail.codeTtlMs,
    },
    logins: new LoginRepository(db),
    profiles: new ProfileRepository(db),
    friends: new FriendRepository(db),
    settings: new SettingsRepository(db),
    sessions,
    codes: new CodeRepository(db),
    vault: new PersonalDataVault(db),
    conversations: new ConversationRepository(db),
    groups: new GroupRepository(db),
    messages: new MessageRepository(db),
    tokens,
    // A token is good when signed, unexpired and not revoked; each use counts as activity in the sessions list.
    authenticate: createAuthenticator(tokens, (id) => sessions.isRevoked(id), sessions.activityRecorder(logger)),
  };
}
