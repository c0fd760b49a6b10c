import type { BlobStore, HealthReport, Logger } from '@parley/core';
import type { AttachmentSigner, Authenticate, PasswordHasher, TokenService } from '@parley/auth';
import type { SendMail } from '@parley/mail';
import type {
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
} from '@parley/store';
import type { CommandBus } from '../command-bus.js';
import type { UploadLimits } from '../upload-config.js';

export interface HttpAppDeps {
  readonly commands: CommandBus;
  readonly logins: LoginRepository;
  readonly profiles: ProfileRepository;
  readonly friends: FriendRepository;
  readonly settings: SettingsRepository;
  readonly sessions: SessionRepository;
  readonly codes: CodeRepository;
  /** Seals personal data (password hashes, emails) with the login's erasable key before it enters the log. */
  readonly vault: PersonalDataVault;
  readonly conversations: ConversationRepository;
  /** Groups and rooms as people run them: roles, bans, notices, invitations, join requests, invite links. */
  readonly groups: GroupRepository;
  readonly messages: MessageRepository;
  /** Message search over what the caller can read now (the message_search projection). */
  readonly search: SearchRepository;
  /** Members' read and delivered marks, as those who share them show them. */
  readonly receipts: ReceiptRepository;
  /** Where uploaded bytes go: chunks, files and thumbnails, each a blob named by its SHA-256. */
  readonly blobs: BlobStore;
  /** Uploads in progress and the attachments they became (operational state, not a projection). */
  readonly uploads: UploadRepository;
  /** Signs the `ref` an upload answers and the download URLs of attachments. */
  readonly attachments: AttachmentSigner;
  readonly tokens: TokenService;
  readonly authenticate: Authenticate;
  readonly hasher: PasswordHasher;
  /** Sends verification and password-reset codes (SMTP, or the log on a single node without SMTP). */
  readonly mail: SendMail;
  readonly logger: Logger;
  readonly limits: {
    /** Register and login attempts per client IP per minute. */
    readonly authPerMinute: number;
    /** All API requests per client IP per minute. */
    readonly apiPerMinute: number;
    readonly maxGroupMembers: number;
    /** Most live profiles one login may own. */
    readonly maxProfilesPerLogin: number;
    /** How long an emailed code stays valid. */
    readonly codeTtlMs: number;
    /** File sizes per kind, quota, chunk size and lifetimes of uploads, refs and download URLs. */
    readonly uploads: UploadLimits;
  };
  /** Files of the web client, served at `/`. */
  readonly staticDir?: string;
  /** Express's `trust proxy`: which hops' X-Forwarded-For to believe for client IPs (rate limits). */
  readonly trustProxy?: string;
  /**
   * Single node: resolves once the projector has applied everything acknowledged so far (true), or after
   * `maxWaitMs` (false). Every request under /v1 waits for it, so it sees every write acknowledged before
   * it, over the WebSocket too (the projector gathers writes for up to PARLEY_PROJECTOR_BATCH_MS).
   */
  readonly readBarrier?: (maxWaitMs: number) => Promise<boolean>;
  /** Whether the whole node is ready, for GET /healthz. */
  readonly ready: () => boolean;
  /** The consumers' health for GET /healthz once ready: a stuck or lagging consumer answers 503 (docs/OPERATIONS.md). */
  readonly health?: () => HealthReport;
}
