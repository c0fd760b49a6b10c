import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandCodec, eventCodec, SchemaError, schemaVersions, fingerprintOf } from './codec.js';
import { rabinFingerprint } from './rabin.js';
import type { Command, CommandPayload, CommandType, EventPayload, EventType, ParleyEvent, Sealed } from './types.js';

test('CRC-64-AVRO matches the Avro specification test vectors', () => {
  // Vectors from the Avro project's own test suite (schema "null" and "int" in canonical form).
  assert.equal(rabinFingerprint(Buffer.from('"null"')), 0x63dd24e7cc258f8an);
  assert.equal(rabinFingerprint(Buffer.from('"int"')), 0x7275d51a3f395c8fn);
});

test('a command round-trips through single-object encoding', () => {
  const command: Command = {
    commandId: 'cmd1',
    stream: 'c:g.1',
    issuedAt: 1_700_000_000_000,
    actor: { userId: 'u1', username: 'alice' },
    origin: { gatewayId: 'gw1', connectionId: 'c1' },
    payload: { type: 'SendMessage', clientMsgId: 'm1', kind: 'text', content: 'héllo 你好', body: '', replyTo: 0, mentions: [], forwarded: false, seenSeq: -1 },
  };
  const bytes = commandCodec.encode(command);
  assert.equal(bytes[0], 0xc3);
  assert.equal(bytes[1], 0x01);
  assert.deepEqual(commandCodec.decode(bytes), command);
});

/** Sealed personal data; avsc decodes `bytes` as a Buffer, so the expectation holds Buffers too. */
const sealed = (byte: number): Sealed => ({ keyId: 'k1', nonce: Buffer.from(new Uint8Array(12).fill(byte)), data: Buffer.from([byte, 0, 255]) });
const member = { userId: 'u', username: 'n' };

/** One payload of every event type: a type added to EventPayload and not here fails to compile. */
const eventPayloads: { [K in EventType]: Extract<EventPayload, { type: K }> } = {
  UserRegistered: { type: 'UserRegistered', userId: 'u', username: 'n', passwordHash: 'h' },
  TokenRevoked: { type: 'TokenRevoked', userId: 'u', tokenId: 't', expiresAt: 9 },
  ConversationCreated: { type: 'ConversationCreated', kind: 'group', name: 'g', createdBy: 'u', members: [member], joinPolicy: 'invite' },
  MembersJoined: { type: 'MembersJoined', members: [member], code: 'c0de' },
  MemberLeft: { type: 'MemberLeft', userId: 'u', username: 'n' },
  MessageSent: { type: 'MessageSent', id: 'i', senderId: 'u', senderName: 'n', clientMsgId: 'c', kind: 'text', content: 'x', body: '{"spans":[]}', replyTo: 1, mentions: ['u2'], forwarded: false },
  ReadMarked: { type: 'ReadMarked', userId: 'u', readSeq: 2 },
  ReceiptsMarked: { type: 'ReceiptsMarked', marks: [{ userId: 'u', readSeq: 3, deliveredSeq: 4, shared: true }, { userId: 'v', readSeq: 0, deliveredSeq: 2, shared: false }] },
  CommandRejected: { type: 'CommandRejected', code: 'not_member', message: 'no', clientMsgId: 'c' },
  CommandDuplicate: { type: 'CommandDuplicate', clientMsgId: 'c', messageId: 'i', messageSeq: 1, messageTs: 4 },
  LoginRegistered: { type: 'LoginRegistered', loginId: 'l', username: 'n', credentials: sealed(1) },
  PasswordChanged: { type: 'PasswordChanged', loginId: 'l', credentials: sealed(2) },
  EmailVerified: { type: 'EmailVerified', loginId: 'l', email: sealed(3) },
  LoginDeleted: { type: 'LoginDeleted', loginId: 'l' },
  ProfileCreated: { type: 'ProfileCreated', profileId: 'u', loginId: 'l', handle: 'Zoë', displayName: 'Zoë 😀', bio: 'b', avatar: 'a' },
  ProfileUpdated: { type: 'ProfileUpdated', profileId: 'u', displayName: 'd', bio: 'b', avatar: 'a' },
  ProfileDeleted: { type: 'ProfileDeleted', profileId: 'u', loginId: 'l' },
  PrivacyChanged: { type: 'PrivacyChanged', profileId: 'u', directFrom: 'friends', readReceipts: false, presence: 'contacts' },
  FriendRequested: { type: 'FriendRequested', requestId: 'r', fromId: 'u1', fromHandle: 'a', toId: 'u2', toHandle: 'b', note: 'hi' },
  FriendRequestAccepted: { type: 'FriendRequestAccepted', requestId: 'r', fromId: 'u1', fromHandle: 'a', toId: 'u2', toHandle: 'b' },
  FriendRequestRefused: { type: 'FriendRequestRefused', requestId: 'r', fromId: 'u1', toId: 'u2' },
  FriendRequestCancelled: { type: 'FriendRequestCancelled', requestId: 'r', fromId: 'u1', toId: 'u2', reason: 'blocked' },
  FriendAdded: { type: 'FriendAdded', profileId: 'u1', friendId: 'u2', friendHandle: 'b', requestId: 'r' },
  FriendRemoved: { type: 'FriendRemoved', profileId: 'u1', friendId: 'u2', friendStream: 'u.b', mirrored: true },
  ProfileBlocked: { type: 'ProfileBlocked', profileId: 'u1', blockedId: 'u2', blockedStream: 'u.b' },
  ProfileUnblocked: { type: 'ProfileUnblocked', profileId: 'u1', blockedId: 'u2', blockedStream: 'u.b' },
  ConversationSettingsChanged: { type: 'ConversationSettingsChanged', profileId: 'u', conversation: 'g.1', pinned: true, muteUntil: -1, hidden: false, remark: 'r' },
  ContactRemarkSet: { type: 'ContactRemarkSet', profileId: 'u1', contactId: 'u2', remark: 'r' },
  DirectApproved: { type: 'DirectApproved', conversation: 'd.u1.u2', requesterId: 'u1', requesterHandle: 'a', approverId: 'u2', approverHandle: 'b' },
  DirectBlockChanged: { type: 'DirectBlockChanged', by: 'u1', other: 'u2', blocked: true },
  MemberRoleChanged: { type: 'MemberRoleChanged', userId: 'u2', username: 'b', role: 'admin' },
  OwnershipTransferred: { type: 'OwnershipTransferred', fromId: 'u1', toId: 'u2', toName: 'b' },
  ConversationDissolved: { type: 'ConversationDissolved', reason: '' },
  MemberRemoved: { type: 'MemberRemoved', userId: 'u2', username: 'b', ban: true },
  MemberUnbanned: { type: 'MemberUnbanned', userId: 'u2', username: 'b' },
  MemberMuted: { type: 'MemberMuted', userId: 'u2', username: 'b', until: 1_700_000_000_000 },
  GroupUpdated: { type: 'GroupUpdated', name: 'G', avatar: 'initials:#123456', description: 'd', joinPolicy: 'approval', invitePolicy: 'friends', muteAll: true },
  NoticePosted: { type: 'NoticePosted', noticeId: 'n1', text: '公告', edited: false },
  NoticeAcknowledged: { type: 'NoticeAcknowledged', userId: 'u2', noticeId: 'n1' },
  MembersInvited: { type: 'MembersInvited', invitees: [{ userId: 'u2', username: 'b', stream: 'u.b' }], friendsOnly: true },
  InvitationChecked: { type: 'InvitationChecked', userId: 'u2', allowed: false, reason: 'not_friends' },
  InvitationAnswered: { type: 'InvitationAnswered', userId: 'u2', username: 'b', accepted: true },
  JoinRequested: { type: 'JoinRequested', userId: 'u2', username: 'b', note: 'hi', invitedBy: '' },
  JoinRequestAnswered: { type: 'JoinRequestAnswered', userId: 'u2', username: 'b', approved: false },
  InviteLinkCreated: { type: 'InviteLinkCreated', code: 'c0de', expiresAt: 9, maxUses: 3 },
  InviteLinkRevoked: { type: 'InviteLinkRevoked', code: 'c0de' },
  MessageRecalled: { type: 'MessageRecalled', target: 3 },
  MessageEdited: { type: 'MessageEdited', target: 3, content: 'fixed', body: '' },
  MessagePinned: { type: 'MessagePinned', target: 3, pinned: true },
  ReactionChanged: { type: 'ReactionChanged', target: 3, emoji: '👍🏽', userId: 'u2', added: true },
  GroupInvitationChecked: { type: 'GroupInvitationChecked', conversation: 'g.1', inviteeId: 'u2', inviterId: 'u1', allowed: true, reason: '' },
};

/** One payload of every command type: a type added to CommandPayload and not here fails to compile. */
const commandPayloads: { [K in CommandType]: Extract<CommandPayload, { type: K }> } = {
  SendMessage: { type: 'SendMessage', clientMsgId: 'c', kind: 'location', content: '[Location] Köln', body: '{"latitude":50.9,"longitude":6.9}', replyTo: 3, mentions: ['u2', 'all'], forwarded: true, seenSeq: 17 },
  RegisterUser: { type: 'RegisterUser', userId: 'u', username: 'n', passwordHash: 'h' },
  RevokeToken: { type: 'RevokeToken', tokenId: 't', expiresAt: 9 },
  CreateConversation: { type: 'CreateConversation', kind: 'direct', name: '', members: [member, { userId: 'v', username: 'm' }], joinPolicy: 'open' },
  AddMembers: { type: 'AddMembers', members: [member] },
  JoinConversation: { type: 'JoinConversation', kind: 'group', note: 'let me in', code: 'c0de' },
  LeaveConversation: { type: 'LeaveConversation', reason: 'bye' },
  MarkRead: { type: 'MarkRead', seq: 7 },
  MarkReceipts: { type: 'MarkReceipts', marks: [{ userId: 'u', readSeq: 0, deliveredSeq: 9, shared: true }] },
  RegisterLogin: { type: 'RegisterLogin', loginId: 'l', username: 'n', profileId: 'u', displayName: 'N', credentials: sealed(1) },
  ChangePassword: { type: 'ChangePassword', loginId: 'l', credentials: sealed(2) },
  VerifyEmail: { type: 'VerifyEmail', loginId: 'l', email: sealed(3) },
  DeleteLogin: { type: 'DeleteLogin', loginId: 'l' },
  CreateProfile: { type: 'CreateProfile', profileId: 'u', loginId: 'l', handle: 'Zoë', displayName: 'Z' },
  UpdateProfile: { type: 'UpdateProfile', displayName: 'd', bio: 'b', avatar: 'a' },
  DeleteProfile: { type: 'DeleteProfile', loginId: 'l' },
  SetPrivacy: { type: 'SetPrivacy', directFrom: 'everyone', readReceipts: true, presence: 'nobody' },
  RequestFriend: { type: 'RequestFriend', requestId: 'r', note: 'hi' },
  AnswerFriendRequest: { type: 'AnswerFriendRequest', requestId: 'r', accept: false },
  CancelFriendRequest: { type: 'CancelFriendRequest', requestId: 'r' },
  RemoveFriend: { type: 'RemoveFriend', friendId: 'u2' },
  BlockProfile: { type: 'BlockProfile', blockedId: 'u2', blockedStream: 'u.b' },
  UnblockProfile: { type: 'UnblockProfile', blockedId: 'u2', blockedStream: 'u.b' },
  SetConversationSettings: { type: 'SetConversationSettings', conversation: 'd.u1.u2', pinned: false, muteUntil: 1_700_000_000_000, hidden: true, remark: '' },
  SetContactRemark: { type: 'SetContactRemark', contactId: 'u2', remark: 'r' },
  OpenDirect: { type: 'OpenDirect', conversation: 'd.u1.u2' },
  RecordFriend: { type: 'RecordFriend', friendId: 'u2', friendHandle: 'b', requestId: 'r' },
  MirrorFriendRemoved: { type: 'MirrorFriendRemoved', friendId: 'u1' },
  WithdrawFriendRequests: { type: 'WithdrawFriendRequests', fromId: 'u1', reason: 'blocked' },
  SetDirectBlock: { type: 'SetDirectBlock', by: 'u1', other: 'u2', blocked: false },
  SetMemberRole: { type: 'SetMemberRole', userId: 'u2', role: 'admin' },
  TransferOwnership: { type: 'TransferOwnership', userId: 'u2' },
  DissolveConversation: { type: 'DissolveConversation', reason: '' },
  RemoveMember: { type: 'RemoveMember', userId: 'u2', ban: false },
  UnbanMember: { type: 'UnbanMember', userId: 'u2' },
  MuteMember: { type: 'MuteMember', userId: 'u2', until: 0 },
  UpdateGroup: { type: 'UpdateGroup', name: 'G', avatar: '', description: '', joinPolicy: 'open', invitePolicy: 'anyone', muteAll: false },
  PostNotice: { type: 'PostNotice', noticeId: '', text: 'hello' },
  AckNotice: { type: 'AckNotice', noticeId: 'n1' },
  InviteMembers: { type: 'InviteMembers', invitees: [{ userId: 'u2', username: 'b', stream: 'u.b' }] },
  ConfirmInvitation: { type: 'ConfirmInvitation', userId: 'u2', inviterId: 'u1', allowed: true, reason: '' },
  AnswerInvitation: { type: 'AnswerInvitation', accept: true },
  AnswerJoinRequest: { type: 'AnswerJoinRequest', userId: 'u2', approve: true },
  CreateInviteLink: { type: 'CreateInviteLink', code: 'c0de', expiresAt: 9, maxUses: 0 },
  RevokeInviteLink: { type: 'RevokeInviteLink', code: 'c0de' },
  RecallMessage: { type: 'RecallMessage', seq: 3 },
  EditMessage: { type: 'EditMessage', seq: 3, content: 'fixed', body: '{"spans":[]}' },
  PinMessage: { type: 'PinMessage', seq: 3, pinned: false },
  ReactToMessage: { type: 'ReactToMessage', seq: 3, emoji: '❤️', add: false },
  ReceiveGroupInvitation: { type: 'ReceiveGroupInvitation', conversation: 'g.1', inviteeId: 'u2', inviterId: 'u1', inviterHandle: 'a', friendsOnly: true },
};

test('every event payload round-trips', () => {
  const base = { eventId: 'e', stream: 'c:d.a.b', seq: 3, ts: 5, commandId: 'x', actor: null, origin: null };
  for (const payload of Object.values(eventPayloads)) {
    const event: ParleyEvent = { ...base, payload };
    assert.deepEqual(eventCodec.decode(eventCodec.encode(event)), event, payload.type);
  }
});

test('every command payload round-trips', () => {
  const base = { commandId: 'wf:e1:0', stream: 'u.n', issuedAt: 5, actor: { userId: 'u', username: 'n' }, origin: null };
  for (const payload of Object.values(commandPayloads)) {
    const command: Command = { ...base, payload };
    assert.deepEqual(commandCodec.decode(commandCodec.encode(command)), command, payload.type);
  }
});

test('encoding a value that breaks the schema fails with the field path', () => {
  const bad = { commandId: 'c', stream: 's', issuedAt: 'now', actor: null, origin: null, payload: { type: 'MarkRead', seq: 1 } };
  assert.throws(() => commandCodec.encode(bad as unknown as Command), (e: unknown) => e instanceof SchemaError && /issuedAt/.test(e.message));
});

test('garbage, truncated records and unknown fingerprints are SchemaErrors', () => {
  assert.throws(() => eventCodec.decode(Buffer.from('{"json":true}')), SchemaError);
  const good = eventCodec.encode({
    eventId: 'e', stream: 's', seq: 1, ts: 1, commandId: 'c', actor: null, origin: null,
    payload: { type: 'ReadMarked', userId: 'u', readSeq: 1 },
  });
  assert.throws(() => eventCodec.decode(good.subarray(0, good.length - 3)), SchemaError);
  const foreign = Buffer.from(good);
  foreign.writeBigUInt64LE(123n, 2);
  assert.throws(() => eventCodec.decode(foreign), /Unknown event schema fingerprint/);
});

for (const name of ['command', 'event'] as const) {
  test(`${name}.avsc evolves compatibly: it reads every earlier version, and the newest history file is it`, () => {
    const { current, history } = schemaVersions(name);
    assert.ok(history.length >= 1, `schemas/history must keep ${name}.v1.avsc`);
    for (const writer of history) assert.doesNotThrow(() => current.createResolver(writer));
    const latest = history[history.length - 1]!;
    assert.equal(
      fingerprintOf(latest),
      fingerprintOf(current),
      `schemas/${name}.avsc changed: copy it to schemas/history/${name}.v${history.length + 1}.avsc (add fields with defaults only)`,
    );
  });
}

test('Avro bytes accept a plain Uint8Array as well as a Buffer', () => {
  const sealed = { keyId: 'l1', nonce: new Uint8Array([1, 2, 3]), data: new Uint8Array([4, 5]) };
  const command: Command = { commandId: 'c', stream: 'u.alice', issuedAt: 1, actor: null, origin: null, payload: { type: 'ChangePassword', loginId: 'l1', credentials: sealed } };
  const decoded = commandCodec.decode(commandCodec.encode(command));
  assert.deepEqual(decoded.payload, { type: 'ChangePassword', loginId: 'l1', credentials: { keyId: 'l1', nonce: Buffer.from([1, 2, 3]), data: Buffer.from([4, 5]) } });
});
