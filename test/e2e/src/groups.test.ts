import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import { parseSystemEntry, type SystemEntry } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { RawSocket, type Frame } from './raw-socket.js';
import { befriend, http, signUp, type TestUser } from './social-helpers.js';

interface Message {
  seq: number;
  kind: string;
  content: string;
  sender: { id: string; username: string };
}

describe('groups and rooms people run, over HTTP and WebSocket on a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const close of closers) close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const user = async (prefix: string): Promise<TestUser> => {
    const u = await signUp(server.url, prefix);
    closers.push(() => u.client.close());
    return u;
  };
  const socket = async (u: TestUser): Promise<RawSocket> => {
    const s = await RawSocket.open(server.url, u.token);
    closers.push(() => s.close());
    return s;
  };
  const api = (u: TestUser, method: string, path: string, body?: unknown) => http(server.url, u.token, method, path, body);
  /** The call's answer must be `status`; with a string, an error of that code. */
  const expect = async (u: TestUser, method: string, path: string, body: unknown, want: number | string, why: string): Promise<unknown> => {
    const res = await api(u, method, path, body);
    if (typeof want === 'number') assert.equal(res.status, want, `${why}: ${JSON.stringify(res.body)}`);
    else assert.equal((res.body as { error?: { code?: string } } | undefined)?.error?.code, want, `${why}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const createGroup = async (owner: TestUser, members: TestUser[], joinPolicy?: string): Promise<string> => {
    const body = (await expect(owner, 'POST', '/v1/groups', { name: 'Team', members: members.map((m) => m.username), ...(joinPolicy ? { joinPolicy } : {}) }, 201, 'create')) as {
      conversation: { id: string };
    };
    return body.conversation.id;
  };
  const history = async (u: TestUser, id: string): Promise<Message[]> => {
    const res = await api(u, 'GET', `/v1/conversations/${id}/messages?limit=200&after=0`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { messages: Message[] }).messages;
  };
  const entries = (messages: Message[]): Array<{ seq: number; entry: SystemEntry }> =>
    messages.filter((m) => m.kind === 'system').map((m) => ({ seq: m.seq, entry: parseSystemEntry(m.content)! }));
  const roleOf = async (viewer: TestUser, id: string, who: TestUser): Promise<string | undefined> => {
    const res = await api(viewer, 'GET', `/v1/conversations/${id}/members?limit=200`);
    return (res.body as { members: Array<{ id: string; role: string }> }).members.find((m) => m.id === who.id)?.role;
  };

  it('the role matrix: the owner appoints admins, admins moderate members, members neither, outsiders nothing', async () => {
    const [owner, admin, member, outsider] = await Promise.all([user('gown'), user('gadm'), user('gmem'), user('gout')]);
    const id = await createGroup(owner, [admin, member]);
    const g = `/v1/conversations/${id}`;
    assert.equal(await roleOf(member, id, owner), 'owner', 'the creator owns the group');

    // Appointing admins: the owner only.
    await expect(member, 'PUT', `${g}/members/${admin.id}/role`, { role: 'admin' }, 'forbidden', 'a member appoints');
    await expect(outsider, 'PUT', `${g}/members/${admin.id}/role`, { role: 'admin' }, 'not_member', 'an outsider appoints');
    await expect(owner, 'PUT', `${g}/members/${admin.id}/role`, { role: 'admin' }, 200, 'the owner appoints');
    await eventually(async () => assert.equal(await roleOf(member, id, admin), 'admin'));
    await expect(admin, 'PUT', `${g}/members/${member.id}/role`, { role: 'admin' }, 'forbidden', 'an admin appoints');

    // The group profile: admins edit, members read.
    await expect(member, 'PATCH', `${g}/group`, { name: 'Mine' }, 'forbidden', 'a member renames');
    await expect(outsider, 'GET', `${g}/group`, undefined, 'not_member', 'an outsider reads the group');
    const renamed = (await expect(admin, 'PATCH', `${g}/group`, { name: 'Renamed', description: 'our team' }, 200, 'an admin renames')) as { group: { name: string } };
    assert.equal(renamed.group.name, 'Renamed');
    const seen = (await expect(member, 'GET', `${g}/group`, undefined, 200, 'a member reads')) as { group: { name: string; description: string; myRole: string; ownerId: string } };
    assert.deepEqual([seen.group.name, seen.group.description, seen.group.myRole, seen.group.ownerId], ['Renamed', 'our team', 'member', owner.id]);

    // Muting: an admin mutes a member, whose sends are refused over the WebSocket until unmuted.
    const memberWs = await socket(member);
    await expect(member, 'PUT', `${g}/members/${admin.id}/mute`, { until: Date.now() + 3_600_000 }, 'forbidden', 'a member mutes an admin');
    await expect(admin, 'PUT', `${g}/members/${owner.id}/mute`, { until: Date.now() + 3_600_000 }, 'forbidden', 'an admin mutes the owner');
    const until = Date.now() + 3_600_000;
    await expect(admin, 'PUT', `${g}/members/${member.id}/mute`, { until }, 200, 'an admin mutes a member');
    await expect(admin, 'PUT', `${g}/members/${member.id}/mute`, { until }, 200, 'the same mute again succeeds');
    await eventually(async () => assert.equal(entries(await history(member, id)).filter((e) => e.entry.event === 'muted').length, 1, 'and writes no second entry'));
    assert.equal((await memberWs.sendMessage(id, 'may I?'))['code'], 'muted');
    await expect(admin, 'PUT', `${g}/members/${member.id}/mute`, { until: 0 }, 200, 'the admin unmutes');
    assert.equal((await memberWs.sendMessage(id, 'thanks'))['type'], 'ack');

    // Mute everyone but admins.
    await expect(admin, 'PATCH', `${g}/group`, { muteAll: true }, 200, 'mute all');
    assert.equal((await memberWs.sendMessage(id, 'hello?'))['code'], 'muted');
    const adminWs = await socket(admin);
    assert.equal((await adminWs.sendMessage(id, 'admins may'))['type'], 'ack');
    await expect(admin, 'PATCH', `${g}/group`, { muteAll: false }, 200, 'unmute all');

    // Removing: nobody removes the owner, members remove nobody, only the owner removes admins.
    await expect(admin, 'DELETE', `${g}/members/${owner.id}`, undefined, 'forbidden', 'an admin removes the owner');
    await expect(member, 'DELETE', `${g}/members/${admin.id}`, undefined, 'forbidden', 'a member removes an admin');
    await expect(owner, 'DELETE', `${g}/members/${owner.id}`, undefined, 'self_target', 'the owner removes themself');

    // Transfer: to a member only; the old owner becomes an admin; the owner leaves only after it.
    await expect(owner, 'POST', `${g}/transfer`, { userId: outsider.id }, 'not_found', 'transfer to a non-member');
    await expect(admin, 'POST', `${g}/transfer`, { userId: admin.id }, 'forbidden', 'an admin transfers');
    await expect(owner, 'POST', `${g}/leave`, undefined, 'forbidden', 'the owner leaves before transferring');
    await expect(owner, 'POST', `${g}/transfer`, { userId: admin.id }, 204, 'the owner transfers');
    await eventually(async () => {
      assert.equal(await roleOf(member, id, admin), 'owner');
      assert.equal(await roleOf(member, id, owner), 'admin');
    });

    // Dissolving: the (new) owner only; afterwards nobody sends, everyone still reads.
    await expect(owner, 'POST', `${g}/dissolve`, undefined, 'forbidden', 'an admin dissolves');
    await expect(admin, 'POST', `${g}/dissolve`, undefined, 204, 'the owner dissolves');
    assert.equal((await memberWs.sendMessage(id, 'anyone?'))['code'], 'dissolved');
    await expect(owner, 'PATCH', `${g}/group`, { name: 'Back' }, 'dissolved', 'renaming a dissolved group');
    const after = await history(member, id);
    assert.ok(after.some((m) => m.content === 'thanks'), 'history stays readable');
    const dissolvedEntry = entries(after).at(-1)?.entry;
    assert.equal(dissolvedEntry?.event, 'dissolved');
    assert.equal(dissolvedEntry?.actor.id, admin.id);
    const group = (await expect(member, 'GET', `${g}/group`, undefined, 200, 'reads a dissolved group')) as { group: { dissolved: boolean } };
    assert.equal(group.group.dissolved, true);
  });

  it('removal ends delivery at once, and the removed member\'s history and resume end at the removal\'s seq; a ban keeps them out', async () => {
    const [owner, member] = await Promise.all([user('rown'), user('rmem')]);
    const id = await createGroup(owner, [member]);
    const g = `/v1/conversations/${id}`;
    const ownerWs = await socket(owner);
    const memberWs = await socket(member);
    assert.equal((await ownerWs.sendMessage(id, 'before'))['type'], 'ack');
    await memberWs.next((f) => f['type'] === 'message' && f['content'] === 'before');

    await expect(owner, 'DELETE', `${g}/members/${member.id}?ban=true`, undefined, 204, 'remove and ban');
    // The member is told: the entry announcing it, then a conversation frame, and nothing after.
    const entry = await memberWs.next((f) => f['type'] === 'message' && f['kind'] === 'system' && parseSystemEntry(String(f['content']))?.event === 'removed');
    const removalSeq = Number(entry['seq']);
    await memberWs.next((f) => f['type'] === 'conversation' && f['event'] === 'removed');
    const ownerOther = await socket(owner);
    const afterAck = await ownerWs.sendMessage(id, 'after');
    assert.equal(afterAck['seq'], removalSeq + 1);
    // The owner's other connection gets the message; the removed member's must not (checked once it arrived there).
    await ownerOther.next((f) => f['type'] === 'message' && f['content'] === 'after');
    assert.ok(!memberWs.frames.some((f) => f['content'] === 'after'), 'no delivery after the removal');

    const read = await history(member, id);
    assert.equal(read.at(-1)?.seq, removalSeq, 'history ends at the removal');
    assert.ok(read.some((m) => m.content === 'before'));
    const resumed = await socket(member);
    resumed.send({ type: 'resume', conversations: { [id]: 0 } });
    const done = await resumed.next((f) => f['type'] === 'resumed');
    assert.equal((done['conversations'] as Record<string, number>)[id], removalSeq, 'resume ends at the removal');
    assert.ok(!resumed.frames.some((f) => f['content'] === 'after'));

    await expect(member, 'POST', `/v1/groups/${id}/join`, {}, 'banned', 'a banned member joins');
    await expect(member, 'GET', `${g}/members`, undefined, 'not_member', 'a removed member lists members');
    const bans = (await expect(owner, 'GET', `${g}/bans`, undefined, 200, 'bans')) as { bans: Array<{ user: { id: string } }> };
    assert.deepEqual(bans.bans.map((b) => b.user.id), [member.id]);
    await expect(owner, 'DELETE', `${g}/bans/${member.id}`, undefined, 204, 'unban');
    await expect(owner, 'PATCH', `${g}/group`, { joinPolicy: 'open' }, 200, 'open the group');
    await expect(member, 'POST', `/v1/groups/${id}/join`, {}, 200, 'joins again once unbanned');
  });

  it('invitations: a member invites a friend, who accepts; an approval group needs an admin; a non-friend never sees it; invite links expire, run out and are revoked', async () => {
    const [owner, member, friend, stranger, linker, late] = await Promise.all([user('iown'), user('imem'), user('ifri'), user('istr'), user('ilnk'), user('ilat')]);
    await befriend(member, friend);
    const id = await createGroup(owner, [member], 'approval');
    const g = `/v1/conversations/${id}`;
    const ownerWs = await socket(owner);
    const friendWs = await socket(friend);

    await expect(member, 'POST', `${g}/invitations`, { usernames: [friend.username, stranger.username] }, 202, 'invite a friend and a stranger');
    await friendWs.next((f) => f['type'] === 'invitation' && f['event'] === 'received' && f['conversation'] === id);
    const inbox = (await expect(friend, 'GET', '/v1/invitations', undefined, 200, 'inbox')) as { invitations: Array<{ conversation: { id: string }; invitedBy: { id: string } }> };
    assert.deepEqual(inbox.invitations.map((i) => [i.conversation.id, i.invitedBy.id]), [[id, member.id]]);
    // The group lets members invite only friends: the stranger's stream refuses it, so it is dropped
    // (inviting again is then a fresh invitation, not a conflict) and never reaches the stranger.
    await eventually(async () => assert.equal((await api(member, 'POST', `${g}/invitations`, { usernames: [stranger.username] })).status, 202));
    assert.deepEqual(((await api(stranger, 'GET', '/v1/invitations')).body as { invitations: unknown[] }).invitations, []);
    await expect(stranger, 'POST', `/v1/invitations/${id}`, { accept: true }, 'not_found', 'accepting an invitation one never got');

    // A member's invitation to an approval group becomes a request the owner answers.
    const accepted = (await expect(friend, 'POST', `/v1/invitations/${id}`, { accept: true }, 202, 'accept')) as { request: { status: string } };
    assert.equal(accepted.request.status, 'pending');
    await expect(friend, 'POST', `/v1/invitations/${id}`, { accept: true }, 202, 'accepting again answers as the first time');
    await ownerWs.next((f) => f['type'] === 'join_request' && f['event'] === 'requested');
    const requests = (await expect(owner, 'GET', `${g}/join-requests`, undefined, 200, 'requests')) as { requests: Array<{ user: { id: string }; invitedBy: { id: string } | null }> };
    assert.deepEqual(requests.requests.map((r) => [r.user.id, r.invitedBy?.id]), [[friend.id, member.id]]);
    await expect(member, 'POST', `${g}/join-requests/${friend.id}`, { approve: true }, 'forbidden', 'a member approves');
    await expect(owner, 'POST', `${g}/join-requests/${friend.id}`, { approve: true }, 204, 'the owner approves');
    await eventually(async () => assert.equal(await roleOf(owner, id, friend), 'member'));
    const joined = entries(await history(friend, id)).find((e) => e.entry.event === 'joined');
    assert.equal(joined?.entry.via, 'request');

    // A plain join to an approval group is a request too; to an invite-only group it is refused.
    const requested = (await expect(late, 'POST', `/v1/groups/${id}/join`, { note: 'let me in' }, 202, 'ask to join')) as { request: { status: string } };
    assert.equal(requested.request.status, 'pending');
    await expect(late, 'POST', `/v1/groups/${id}/join`, { note: 'again' }, 'request_pending', 'ask twice');
    await expect(owner, 'POST', `${g}/join-requests/${late.id}`, { approve: false }, 204, 'refuse');
    await expect(owner, 'PATCH', `${g}/group`, { joinPolicy: 'invite' }, 200, 'invite only');
    await expect(late, 'POST', `/v1/groups/${id}/join`, {}, 'forbidden', 'join an invite-only group');

    // Invite links: one use, then used up; a revoked one is refused.
    await expect(member, 'POST', `${g}/invite-links`, { maxUses: 1 }, 'forbidden', 'a member makes a link');
    const link = ((await expect(owner, 'POST', `${g}/invite-links`, { maxUses: 1, expiresInSeconds: 3600 }, 201, 'make a link')) as { link: { code: string } }).link;
    const preview = (await expect(linker, 'GET', `/v1/invite-links/${link.code}`, undefined, 200, 'preview')) as { conversation: { id: string } };
    assert.equal(preview.conversation.id, id);
    await expect(linker, 'POST', `/v1/invite-links/${link.code}/join`, undefined, 200, 'join by link');
    await expect(late, 'POST', `/v1/invite-links/${link.code}/join`, undefined, 'invite_expired', 'a used-up link');
    const second = ((await expect(owner, 'POST', `${g}/invite-links`, {}, 201, 'another link')) as { link: { code: string } }).link;
    await expect(owner, 'DELETE', `${g}/invite-links/${second.code}`, undefined, 204, 'revoke');
    await expect(late, 'POST', `/v1/invite-links/${second.code}/join`, undefined, 'invite_revoked', 'a revoked link');
  });

  it('system entries appear in every member\'s timeline, live and in history, in one dense order; notices are pinned with an unread marker', async () => {
    const [owner, a, b] = await Promise.all([user('sown'), user('sa'), user('sb')]);
    const id = await createGroup(owner, [a, b]);
    const g = `/v1/conversations/${id}`;
    const sockets = await Promise.all([owner, a, b].map(socket));
    await expect(owner, 'PUT', `${g}/members/${a.id}/role`, { role: 'admin' }, 200, 'promote');
    assert.equal((await sockets[1]!.sendMessage(id, 'hi all'))['type'], 'ack');
    const posted = (await expect(a, 'POST', `${g}/notices`, { text: 'Standup at 10' }, 201, 'post a notice')) as { notice: { id: string } };
    await expect(b, 'POST', `${g}/notices`, { text: 'mine' }, 'forbidden', 'a member posts a notice');
    await expect(a, 'PATCH', `${g}/group`, { description: 'the A team' }, 200, 'describe');
    await expect(owner, 'DELETE', `${g}/members/${b.id}`, undefined, 204, 'remove b');

    const live = (s: RawSocket): Frame[] => s.frames.filter((f) => f['type'] === 'message' && f['conversation'] === id);
    await eventually(() => assert.equal(live(sockets[0]!).length, 5));
    const order = live(sockets[0]!).map((f) => [f['seq'], f['kind'], f['kind'] === 'system' ? parseSystemEntry(String(f['content']))?.event : f['content']]);
    assert.deepEqual(order, [
      [1, 'system', 'role'],
      [2, 'text', 'hi all'],
      [3, 'system', 'notice'],
      [4, 'system', 'updated'],
      [5, 'system', 'removed'],
    ]);
    // a sent seq 2 (a sender gets an ack for it, not the message).
    await eventually(() => assert.deepEqual(live(sockets[1]!).map((f) => f['seq']), [1, 3, 4, 5]));
    // b got everything up to and including their removal.
    await eventually(() => assert.deepEqual(live(sockets[2]!).map((f) => f['seq']), [1, 2, 3, 4, 5]));
    const role = parseSystemEntry(String(live(sockets[2]!)[0]!['content']))!;
    assert.deepEqual([role.actor.id, role.target?.id, role.role], [owner.id, a.id, 'admin']);
    for (const u of [owner, a]) assert.deepEqual((await history(u, id)).map((m) => m.seq), [1, 2, 3, 4, 5], `${u.username}'s history`);

    // The notice: pinned, unread for the owner until read, read for its poster.
    const details = async (u: TestUser) => ((await api(u, 'GET', `${g}/group`)).body as { group: { notice: { id: string; text: string } | null; noticeUnread: boolean } }).group;
    const ownerView = await details(owner);
    assert.deepEqual([ownerView.notice?.id, ownerView.notice?.text, ownerView.noticeUnread], [posted.notice.id, 'Standup at 10', true]);
    await expect(owner, 'POST', `${g}/notices/${posted.notice.id}/read`, undefined, 204, 'read the notice');
    await eventually(async () => assert.equal((await details(owner)).noticeUnread, false));
    await expect(a, 'PUT', `${g}/notices/${posted.notice.id}`, { text: 'Standup at 11' }, 200, 'edit the notice');
    const notices = (await expect(owner, 'GET', `${g}/notices`, undefined, 200, 'notice history')) as { notices: Array<{ id: string; text: string }> };
    assert.deepEqual(notices.notices.map((n) => n.text), ['Standup at 11']);
  });

  it('rooms: the first joiner owns it; moderators kick and ban; a banned user cannot rejoin until unbanned', async () => {
    const [first, second, troll] = await Promise.all([user('rfst'), user('rsnd'), user('rtrl')]);
    const name = `mod${Date.now().toString(36)}`;
    const join = (u: TestUser) => api(u, 'POST', `/v1/rooms/${name}/join`);
    assert.equal((await join(first)).status, 200);
    assert.equal((await join(second)).status, 200);
    assert.equal((await join(troll)).status, 200);
    const id = `r.${name}`;
    const g = `/v1/conversations/${id}`;
    await expect(second, 'DELETE', `${g}/members/${troll.id}`, undefined, 'forbidden', 'a member kicks');
    await expect(first, 'PUT', `${g}/members/${second.id}/role`, { role: 'admin' }, 200, 'appoint a moderator');
    await expect(second, 'DELETE', `${g}/members/${troll.id}`, undefined, 204, 'a moderator kicks');
    assert.equal((await join(troll)).status, 200, 'a kicked user may rejoin');
    await expect(second, 'DELETE', `${g}/members/${troll.id}?ban=true`, undefined, 204, 'a moderator bans');
    const refused = await join(troll);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'banned');
    await expect(second, 'DELETE', `${g}/bans/${troll.id}`, undefined, 204, 'unban');
    assert.equal((await join(troll)).status, 200, 'rejoins after the ban is lifted');
    await expect(first, 'POST', `${g}/invitations`, { usernames: [troll.username] }, 'bad_request', 'rooms take no invitations');
  });
});
