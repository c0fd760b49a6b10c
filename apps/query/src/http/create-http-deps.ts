import type { BlobStore, Logger } from '@parley/core';
import { AttachmentSigner, PasswordHasher, createAuthenticator, type TokenService } from '@parley/auth';
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
  SearchRepository,
  ReceiptRepository,
  UploadRepository,
  type ParleyDb,
} from '@parley/store';
import type { HttpAppDeps } from './http-app-deps.js';
import type { UploadLimits } from '../upload-config.js';

/** The settings of the HTTP app both modes read from their config (README and docs/OPERATIONS.md "query"). */
export interface HttpSettings {
  readonly authPerMinute: number;
  readonly apiPerMinute: number;
  readonly maxGroupMembers: number;
  readonly mail: MailConfig;
  /** readUploadLimits(env). */
  readonly uploads: UploadLimits;
  /** The token secret (PARLEY_TOKEN_SECRET): attachment refs and download URLs are signed with a key derived from it. */
  readonly tokenSecret: Uint8Array;
}

/**
 * The HTTP app's deps that are the same in both modes (single node: PGlite; distributed: PostgreSQL): the
 * store, tokens, passwords, mail, uploads and limits. The caller adds the command bus and its own
 * readiness, and hands over the blob store it opened (a directory, or an S3 bucket) and closes it.
 */
export function createHttpDeps(
  db: ParleyDb,
  tokens: TokenService,
  logger: Logger,
  settings: HttpSettings,
  blobs: BlobStore,
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
      uploads: settings.uploads,
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
    search: new SearchRepository(db),
    receipts: new ReceiptRepository(db),
    blobs,
    uploads: new UploadRepository(db),
    attachments: new AttachmentSigner(settings.tokenSecret),
    tokens,
    // A token is good when signed, unexpired and not revoked; each use counts as activity in the sessions list.
    authenticate: createAuthenticator(tokens, (id) => sessions.isRevoked(id), sessions.activityRecorder(logger)),
  };
}
