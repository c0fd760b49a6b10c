import type { ConversationRepository, ProfileRepository, ReceiptRepository } from '@parley/store';
import type { Directory } from './social.js';

/** The gateway's Directory over the projection store (Postgres, or PGlite on a single node). */
export function createDirectory(profiles: ProfileRepository, receipts: ReceiptRepository, conversations: ConversationRepository): Directory {
  return {
    privacyOf: (ids) => profiles.privacyOf(ids),
    contactsOf: (userId) => receipts.contactsOf(userId),
    isMember: (conversation, userId) => conversations.isMember(conversation, userId),
    canType: (conversation, userId) => receipts.canType(conversation, userId),
    memberIds: (conversation) => receipts.memberIds(conversation),
  };
}
