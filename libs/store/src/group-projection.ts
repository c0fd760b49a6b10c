import type { Transaction } from 'kysely';
import type { EventPayload, Member, ParleyEvent } from '@parley/schemas';
import type { Database } from './database.js';

type Payload<T extends EventPayload['type']> = Extract<EventPayload, { type: T }>;

/** The events of a group or room's people and settings (the conversation decider's, besides messages and read marks). */
export type GroupEventPayload = Payload<
  | 'MembersJoined'
  | 'MemberLeft'
  | 'MemberRemoved'
  | 'MemberUnbanned'
  | 'MemberRoleChanged'
  | 'OwnershipTransferred'
  | 'ConversationDissolved'
  | 'MemberMuted'
  | 'GroupUpdated'
  | 'NoticePosted'
  | 'NoticeAcknowledged'
  | 'MembersInvited'
  | 'InvitationChecked'
  | 'InvitationAnswered'
  | 'JoinRequested'
  | 'JoinRequestAnswered'
  | 'InviteLinkCreated'
  | 'InviteLinkRevoked'
>;

/**
 * Applies one group event to the rows of its conversation (`event.stream`). Idempotent like every
 * projection write: inserts do nothing on conflict, upserts, updates and deletes set a state, and the one
 * counter (an invite link's uses) moves only for a join newer than the last it counted. Reads only rows of
 * the same stream, so a replay, whatever the order of partitions, writes the same values.
 */
export async function applyGroupEvent(tx: Transaction<Database>, event: ParleyEvent, p: GroupEventPayload): Promise<void> {
  const conversation = event.stream;
  const at = event.ts;
  const actor = event.actor ?? { userId: '', username: '' };
  const member = tx.updateTable('members').where('conversation_id', '=', conversation);
  switch (p.type) {
    case 'MembersJoined': {
      await addMembers(tx, event, p.members);
      const ids = p.members.map((m) => m.userId);
      if (ids.length === 0) return;
      for (const table of ['former_members', 'group_invitations', 'join_requests'] as const) {
        await tx.deleteFrom(table).where('conversation_id', '=', conversation).where('user_id', 'in', ids).execute();
      }
      if (p.code) {
        // Every join by link is followed by its entry, so the next one carries a higher seq: a join that
        // is not newer than the last counted is one applied again.
        await tx
          .updateTable('invite_links')
          .set((eb) => ({ uses: eb('uses', '+', 1), last_use_seq: event.seq }))
          .where('code', '=', p.code)
          .where('conversation_id', '=', conversation)
          .where('last_use_seq', '<', event.seq)
          .execute();
      }
      return;
    }
    case 'MemberLeft':
    case 'MemberRemoved': {
      // The event carries the seq of the entry before it: the last the departed member may read.
      await tx.deleteFrom('members').where('conversation_id', '=', conversation).where('user_id', '=', p.userId).execute();
      const former = { username: p.username, until_seq: event.seq, reason: p.type === 'MemberLeft' ? ('left' as const) : ('removed' as const), at };
      await tx
        .insertInto('former_members')
        .values({ conversation_id: conversation, user_id: p.userId, ...former })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet(former))
        .execute();
      if (p.type === 'MemberRemoved' && p.ban) {
        const ban = { username: p.username, banned_by: actor.userId, at };
        await tx
          .insertInto('bans')
          .values({ conversation_id: conversation, user_id: p.userId, ...ban })
          .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet(ban))
          .execute();
      }
      return;
    }
    case 'MemberUnbanned':
      await tx.deleteFrom('bans').where('conversation_id', '=', conversation).where('user_id', '=', p.userId).execute();
      return;
    case 'MemberRoleChanged':
      await member
        .set({ role: p.role === 'admin' ? 'admin' : 'member' })
        .where('user_id', '=', p.userId)
        .where('role', '<>', 'owner')
        .execute();
      return;
    case 'OwnershipTransferred':
      // The old owner becomes an admin.
      await member.set({ role: 'admin' }).where('user_id', '=', p.fromId).where('user_id', '<>', p.toId).execute();
      await member.set({ role: 'owner' }).where('user_id', '=', p.toId).execute();
      await tx.updateTable('conversations').set({ owner_id: p.toId }).where('id', '=', conversation).execute();
      return;
    case 'ConversationDissolved':
      // Members stay, to read the history; nothing pending can be answered any more.
      await tx.updateTable('conversations').set({ dissolved: true }).where('id', '=', conversation).execute();
      for (const table of ['group_invitations', 'join_requests'] as const) {
        await tx.deleteFrom(table).where('conversation_id', '=', conversation).execute();
      }
      await tx.updateTable('invite_links').set({ revoked: true }).where('conversation_id', '=', conversation).execute();
      return;
    case 'MemberMuted':
      await member.set({ muted_until: p.until }).where('user_id', '=', p.userId).execute();
      return;
    case 'GroupUpdated':
      await tx
        .updateTable('conversations')
        .set({ name: p.name, avatar: p.avatar, description: p.description, join_policy: p.joinPolicy, invite_policy: p.invitePolicy, mute_all: p.muteAll })
        .where('id', '=', conversation)
        .execute();
      return;
    case 'NoticePosted':
      if (p.edited) {
        // `seq` follows the entry with the current text.
        await tx
          .updateTable('notices')
          .set({ text: p.text, edited_at: at, seq: event.seq })
          .where('conversation_id', '=', conversation)
          .where('id', '=', p.noticeId)
          .execute();
        return;
      }
      await tx
        .insertInto('notices')
        .values({ conversation_id: conversation, id: p.noticeId, text: p.text, posted_by: actor.userId, poster_name: actor.username, posted_at: at, edited_at: 0, seq: event.seq })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await tx.updateTable('conversations').set({ notice_id: p.noticeId }).where('id', '=', conversation).execute();
      // Its poster has read it, as a sender has read their own message.
      await member.set({ notice_seen: p.noticeId }).where('user_id', '=', actor.userId).execute();
      return;
    case 'NoticeAcknowledged':
      await member.set({ notice_seen: p.noticeId }).where('user_id', '=', p.userId).execute();
      return;
    case 'MembersInvited':
      // Kept unchecked until the invitee's stream allows it: the inviter is known only here.
      for (const invitee of p.invitees) {
        const invitation = { username: invitee.username, invited_by: actor.userId, inviter_name: actor.username, checked: false, created_at: at };
        await tx
          .insertInto('group_invitations')
          .values({ conversation_id: conversation, user_id: invitee.userId, ...invitation })
          .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet(invitation))
          .execute();
      }
      return;
    case 'InvitationChecked':
      if (p.allowed) {
        await tx.updateTable('group_invitations').set({ checked: true }).where('conversation_id', '=', conversation).where('user_id', '=', p.userId).execute();
      } else {
        await tx.deleteFrom('group_invitations').where('conversation_id', '=', conversation).where('user_id', '=', p.userId).execute();
      }
      return;
    case 'InvitationAnswered':
      await tx.deleteFrom('group_invitations').where('conversation_id', '=', conversation).where('user_id', '=', p.userId).execute();
      return;
    case 'JoinRequested': {
      const request = { username: p.username, note: p.note, invited_by: p.invitedBy, inviter_name: await usernameIn(tx, conversation, p.invitedBy), created_at: at };
      await tx
        .insertInto('join_requests')
        .values({ conversation_id: conversation, user_id: p.userId, ...request })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet(request))
        .execute();
      return;
    }
    case 'JoinRequestAnswered':
      await tx.deleteFrom('join_requests').where('conversation_id', '=', conversation).where('user_id', '=', p.userId).execute();
      return;
    case 'InviteLinkCreated':
      await tx
        .insertInto('invite_links')
        .values({
          code: p.code,
          conversation_id: conversation,
          created_by: actor.userId,
          creator_name: actor.username,
          created_at: at,
          expires_at: p.expiresAt,
          max_uses: p.maxUses,
          uses: 0,
          last_use_seq: -1,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    case 'InviteLinkRevoked':
      await tx.updateTable('invite_links').set({ revoked: true }).where('code', '=', p.code).where('conversation_id', '=', conversation).execute();
      return;
    default: {
      const unreachable: never = p;
      throw new Error(`unhandled group event ${(unreachable as { type: string }).type}`);
    }
  }
}

/**
 * Inserts members who are not members yet, with nothing unread (history before the join is readable but
 * not "new"). The conversation's owner joins as owner (a creator, or a legacy owner who left and came back).
 */
export async function addMembers(tx: Transaction<Database>, event: ParleyEvent, members: readonly Member[]): Promise<void> {
  if (members.length === 0) return;
  const row = await tx.selectFrom('conversations').select('owner_id').where('id', '=', event.stream).executeTakeFirst();
  const owner = row?.owner_id ?? '';
  await tx
    .insertInto('members')
    .values(
      members.map((m) => ({
        conversation_id: event.stream,
        user_id: m.userId,
        username: m.username,
        joined_at: event.ts,
        read_seq: event.seq,
        role: owner !== '' && m.userId === owner ? ('owner' as const) : ('member' as const),
      })),
    )
    .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
    .execute();
}

/** A member's or former member's username in this conversation ('' for none). */
async function usernameIn(tx: Transaction<Database>, conversation: string, userId: string): Promise<string> {
  if (userId === '') return '';
  const current = await tx.selectFrom('members').select('username').where('conversation_id', '=', conversation).where('user_id', '=', userId).executeTakeFirst();
  if (current) return current.username;
  const former = await tx.selectFrom('former_members').select('username').where('conversation_id', '=', conversation).where('user_id', '=', userId).executeTakeFirst();
  return former?.username ?? '';
}
