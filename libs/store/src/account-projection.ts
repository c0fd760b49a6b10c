import type { Transaction } from 'kysely';
import type { EventPayload, ParleyEvent } from '@parley/schemas';
import type { Database } from './database.js';
import type { PersonalDataVault } from './personal-data-vault.js';
import { handleKey, profileSearchKey, searchFold } from './text-keys.js';

type Payload<T extends EventPayload['type']> = Extract<EventPayload, { type: T }>;

/** The events of account streams (logins, profiles, friends, blocks, private settings). */
export type AccountEventPayload = Payload<
  | 'UserRegistered'
  | 'LoginRegistered'
  | 'PasswordChanged'
  | 'EmailVerified'
  | 'LoginDeleted'
  | 'ProfileCreated'
  | 'ProfileUpdated'
  | 'ProfileDeleted'
  | 'PrivacyChanged'
  | 'FriendRequested'
  | 'FriendRequestAccepted'
  | 'FriendRequestRefused'
  | 'FriendRequestCancelled'
  | 'FriendAdded'
  | 'FriendRemoved'
  | 'ProfileBlocked'
  | 'ProfileUnblocked'
  | 'ConversationSettingsChanged'
  | 'ContactRemarkSet'
>;

/**
 * Applies one account event. Idempotent like every projection write (inserts do nothing on conflict,
 * updates and deletes set a state), so applying the log again, or a batch twice, in log order, gives the
 * same rows. Sealed credentials are opened with the vault inside `tx`; one that cannot be opened (its
 * login's key erased) projects as null, which is how a replay after a LoginDeleted forgets it.
 */
export async function applyAccountEvent(tx: Transaction<Database>, vault: PersonalDataVault, event: ParleyEvent, p: AccountEventPayload): Promise<void> {
  const at = event.ts;
  switch (p.type) {
    case 'UserRegistered':
      // Before profiles: a login and its one profile with the same id, as migration 0003 makes of a `users` row.
      await tx
        .insertInto('logins')
        .values({ id: p.userId, username: p.username, password_hash: p.passwordHash, email: null, email_key: null, created_at: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await tx
        .insertInto('profiles')
        .values({ id: p.userId, login_id: p.userId, handle: p.username, handle_key: handleKey(p.username), display_name: p.username, search_key: searchFold(p.username), created_at: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    case 'LoginRegistered':
      await tx
        .insertInto('logins')
        .values({ id: p.loginId, username: p.username, password_hash: await passwordHash(tx, vault, p.loginId, p), email: null, email_key: null, created_at: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    case 'PasswordChanged':
      await tx.updateTable('logins').set({ password_hash: await passwordHash(tx, vault, p.loginId, p) }).where('id', '=', p.loginId).execute();
      return;
    case 'EmailVerified': {
      const email = (await vault.open(p.loginId, p.email, tx)) ?? null;
      await tx.updateTable('logins').set({ email, email_key: email?.toLowerCase() ?? null }).where('id', '=', p.loginId).execute();
      return;
    }
    case 'LoginDeleted':
      // The key goes in the same transaction as the row: once this commits, no replay can read the login's
      // sealed data again.
      await tx.deleteFrom('logins').where('id', '=', p.loginId).execute();
      await vault.erase(p.loginId, tx);
      await tx.deleteFrom('sessions').where('login_id', '=', p.loginId).execute();
      await tx.deleteFrom('login_codes').where('login_id', '=', p.loginId).execute();
      return;

    case 'ProfileCreated':
      await tx
        .insertInto('profiles')
        .values({
          id: p.profileId,
          login_id: p.loginId,
          handle: p.handle,
          handle_key: handleKey(p.handle),
          display_name: p.displayName,
          bio: p.bio,
          avatar: p.avatar,
          search_key: profileSearchKey(p.handle, p.displayName),
          created_at: at,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    case 'ProfileUpdated': {
      const row = await tx.selectFrom('profiles').select('handle').where('id', '=', p.profileId).executeTakeFirst();
      if (!row) return;
      await tx
        .updateTable('profiles')
        .set({ display_name: p.displayName, bio: p.bio, avatar: p.avatar, search_key: profileSearchKey(row.handle, p.displayName) })
        .where('id', '=', p.profileId)
        .execute();
      return;
    }
    case 'ProfileDeleted': {
      // The row stays (ids in messages and members still name it) but leaves every relation, and the
      // private data it kept about others goes with it.
      const id = p.profileId;
      await tx.updateTable('profiles').set({ deleted: true }).where('id', '=', id).execute();
      await tx.deleteFrom('friendships').where((eb) => eb.or([eb('profile_id', '=', id), eb('friend_id', '=', id)])).execute();
      await tx.deleteFrom('friend_requests').where((eb) => eb.or([eb('from_id', '=', id), eb('to_id', '=', id)])).execute();
      await tx.deleteFrom('blocks').where('profile_id', '=', id).execute();
      await tx.deleteFrom('contact_remarks').where('profile_id', '=', id).execute();
      await tx.deleteFrom('conversation_settings').where('profile_id', '=', id).execute();
      await tx.deleteFrom('sessions').where('profile_id', '=', id).execute();
      return;
    }
    case 'PrivacyChanged':
      await tx
        .updateTable('profiles')
        .set({
          direct_from: p.directFrom === 'friends' ? 'friends' : 'everyone',
          read_receipts: p.readReceipts ?? true,
          presence: p.presence === 'contacts' || p.presence === 'nobody' ? p.presence : 'everyone',
        })
        .where('id', '=', p.profileId)
        .execute();
      return;

    case 'FriendRequested':
      await tx
        .insertInto('friend_requests')
        .values({ id: p.requestId, from_id: p.fromId, to_id: p.toId, note: p.note, created_at: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    case 'FriendRequestAccepted':
      // The receiver's side; the requester's comes as FriendAdded on its own stream (friends workflow).
      await tx.deleteFrom('friend_requests').where('id', '=', p.requestId).execute();
      await addFriend(tx, p.toId, p.fromId, at);
      return;
    case 'FriendRequestRefused':
    case 'FriendRequestCancelled':
      await tx.deleteFrom('friend_requests').where('id', '=', p.requestId).execute();
      return;
    case 'FriendAdded':
      await addFriend(tx, p.profileId, p.friendId, at);
      return;
    case 'FriendRemoved':
      await tx.deleteFrom('friendships').where('profile_id', '=', p.profileId).where('friend_id', '=', p.friendId).execute();
      return;
    case 'ProfileBlocked':
      await tx
        .insertInto('blocks')
        .values({ profile_id: p.profileId, blocked_id: p.blockedId, since: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    case 'ProfileUnblocked':
      await tx.deleteFrom('blocks').where('profile_id', '=', p.profileId).where('blocked_id', '=', p.blockedId).execute();
      return;

    case 'ConversationSettingsChanged': {
      // Every field is set (the query API merges a partial change into the current settings before it
      // sends the command). hidden_at is when this event hid it: a message newer than that shows it again.
      const values = {
        pinned: p.pinned,
        mute_until: p.muteUntil,
        hidden: p.hidden,
        hidden_at: p.hidden ? at : 0,
        remark: p.remark,
        updated_at: at,
      };
      await tx
        .insertInto('conversation_settings')
        .values({ profile_id: p.profileId, conversation_id: p.conversation, ...values })
        .onConflict((oc) => oc.columns(['profile_id', 'conversation_id']).doUpdateSet(values))
        .execute();
      return;
    }
    case 'ContactRemarkSet':
      if (p.remark === '') {
        await tx.deleteFrom('contact_remarks').where('profile_id', '=', p.profileId).where('contact_id', '=', p.contactId).execute();
      } else {
        await tx
          .insertInto('contact_remarks')
          .values({ profile_id: p.profileId, contact_id: p.contactId, remark: p.remark })
          .onConflict((oc) => oc.columns(['profile_id', 'contact_id']).doUpdateSet({ remark: p.remark }))
          .execute();
      }
      return;
    default: {
      const unreachable: never = p;
      throw new Error(`unhandled account event ${(unreachable as { type: string }).type}`);
    }
  }
}

/** The password hash in a login's sealed credentials (`{"passwordHash": ...}`), or null when unreadable. */
async function passwordHash(tx: Transaction<Database>, vault: PersonalDataVault, loginId: string, p: { credentials: Payload<'LoginRegistered'>['credentials'] }): Promise<string | null> {
  const text = await vault.open(loginId, p.credentials, tx);
  if (text === undefined) return null;
  try {
    const hash = (JSON.parse(text) as { passwordHash?: unknown }).passwordHash;
    return typeof hash === 'string' ? hash : null;
  } catch {
    return null;
  }
}

async function addFriend(tx: Transaction<Database>, profileId: string, friendId: string, at: number): Promise<void> {
  await tx
    .insertInto('friendships')
    .values({ profile_id: profileId, friend_id: friendId, since: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
