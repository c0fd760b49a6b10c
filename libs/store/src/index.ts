export * from './database.js';
export { migrateToLatest } from './migrations.js';
export { LoginRepository, type LoginRow } from './login.repository.js';
export { ProfileRepository, asPresence, type Privacy, type PresenceVisibility, type ProfileRow, type OwnProfile, type PublicProfile, type PeopleResponse } from './profile.repository.js';
export { FriendRepository, type Friend, type FriendRequest, type Relation } from './friend.repository.js';
export { SettingsRepository, type ConversationSettings } from './settings.repository.js';
export { SessionRepository, type SessionRow } from './session.repository.js';
export { CodeRepository, type CodePurpose, MAX_CODES_PER_HOUR, MAX_CODE_ATTEMPTS } from './code.repository.js';
export { ConversationRepository, type ConversationSummary, type ConversationListOptions } from './conversation.repository.js';
export {
  GroupRepository,
  type GroupDetails,
  type GroupMember,
  type GroupMembersOptions,
  type GroupRole,
  type JoinPolicy,
  type InvitePolicy,
  type UserRef,
  type Ban,
  type Notice,
  type Invitation,
  type JoinRequest,
  type InviteLink,
} from './group.repository.js';
export { MessageRepository, REACTION_USERS_LISTED, type StoredMessage, type Pin } from './message.repository.js';
export { UploadRepository, type UploadRow, type UploadPart } from './upload.repository.js';
export { ReceiptRepository, type Contact, type ReadersPage } from './receipt.repository.js';
export { SearchRepository, type SearchFilters, type SearchHit, type SearchPage, type SearchPosition } from './search.repository.js';
export { indexTokens, queryTerms, highlightRanges, MAX_TOKEN_CHARS } from './search-tokens.js';
export { OutcomeRepository, type CommandOutcome } from './outcome.repository.js';
export { ProjectionWriter, type QuarantineRow } from './projection-writer.js';
export { PersonalDataVault } from './personal-data-vault.js';
export { storeFailureKind } from './store-failure.js';
export { projectionChecksums, projectionsEmpty, PROJECTED_TABLES } from './checksum.js';
export { WorkerPGlite, WorkerProjectionWriter } from './pglite-in-worker.js';
export { trimParsers } from './pglite-parsers.js';
