import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { RawSocket } from './raw-socket.js';
import { befriend, collect, http, rejectsWith, signUp, type TestUser } from './social-helpers.js';

describe('friends, blocks and friends-only direct messages on a started single node', () => {
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
  const user = async (prefix: string, options: { displayName?: string } = {}): Promise<TestUser> => {
    const u = await signUp(server.url, prefix, options);
    closers.push(() => u.client.close());
    return u;
  };
  const socket = async (u: TestUser): Promise<RawSocket> => {
    const s = await RawSocket.open(server.url, u.token);
    closers.push(() => s.close());
    return s;
  };

  it('two people become friends: found by display name without case or accents, a request with a note, live frames on both sides, both lists agree', async () => {
    const [zoe, ann, carl] = await Promise.all([
      user('pal', { displayName: 'Zoë' }),
      user('pal'),
      user('pal'),
    ]);
    const zoeFrames = collect(zoe.client, 'friend');
    const annFrames = collect(ann.client, 'friend');
    await Promise.all([zoe.client.connect(), ann.client.connect()]);

    for (const q of ['zoe', 'ZOE', 'Zoë']) {
      const found = await ann.client.searchUsers(q);
      assert.ok(
        found.users.some((u) => u.id === zoe.id && u.displayName === 'Zoë'),
        `searching "${q}" finds Zoë`,
      );
    }

    const request = await ann.client.sendFriendRequest(zoe.id, 'Hi Zoë, it is Ann');
    assert.equal(request.to.id, zoe.id);
    assert.equal(request.note, 'Hi Zoë, it is Ann');
    const requested = await eventually(() => {
      const frame = zoeFrames.find((f) => f.event === 'requested' && f.requestId === request.id);
      assert.ok(frame, 'the receiver is told of the request live');
      return frame;
    });
    assert.equal(requested.from.id, ann.id);
    assert.equal(requested.to.id, zoe.id);
    assert.equal(requested.note, 'Hi Zoë, it is Ann');
    assert.deepEqual(
      (await zoe.client.friendRequests()).incoming.map((r) => [r.id, r.from.id, r.note]),
      [[request.id, ann.id, 'Hi Zoë, it is Ann']],
    );
    assert.deepEqual(
      (await ann.client.friendRequests()).outgoing.map((r) => r.id),
      [request.id],
    );

    await rejectsWith(ann.client.sendFriendRequest(zoe.id, 'did you see it?'), 'request_pending', 409);
    await rejectsWith(ann.client.sendFriendRequest(ann.id), 'self_target', 422);

    await zoe.client.acceptFriendRequest(request.id);
    await eventually(async () => {
      const [ofAnn, ofZoe] = await Promise.all([ann.client.friends(), zoe.client.friends()]);
      assert.deepEqual(
        ofAnn.map((f) => f.profile.id),
        [zoe.id],
      );
      assert.deepEqual(
        ofZoe.map((f) => f.profile.id),
        [ann.id],
      );
    });
    await eventually(() => {
      assert.ok(
        zoeFrames.some((f) => f.event === 'accepted' && f.requestId === request.id),
        'the receiver gets accepted',
      );
      assert.ok(
        annFrames.some((f) => f.event === 'accepted' && f.requestId === request.id),
        'the requester gets accepted',
      );
      assert.ok(
        annFrames.some((f) => f.event === 'added' && f.from.id === ann.id && f.to.id === zoe.id),
        "the requester's side gets added",
      );
    });
    assert.equal((await ann.client.getProfile(zoe.id)).relation, 'friend');
    await rejectsWith(ann.client.sendFriendRequest(zoe.id), 'already_friends', 409);
    await rejectsWith(zoe.client.sendFriendRequest(ann.id), 'already_friends', 409);

    const toCarl = await ann.client.sendFriendRequest(carl.id, 'hello');
    await ann.client.cancelFriendRequest(toCarl.id);
    await rejectsWith(carl.client.acceptFriendRequest(toCarl.id), 'request_not_pending', 409);
    await rejectsWith(carl.client.refuseFriendRequest(toCarl.id), 'request_not_pending', 409);
    assert.deepEqual(
      (await carl.client.friends()).map((f) => f.profile.id),
      [],
    );
  });

  it('blocking: the blocked side is refused requests, new and existing direct conversations (not_permitted, as friends-only says), the blocker gets blocked; unblocking lets messages flow again', async () => {
    const [alice, bob, dan, picky] = await Promise.all([
      user('blocker'),
      user('blocked'),
      user('stranger'),
      user('picky'),
    ]);
    const dm = await bob.client.openDirect(alice.username);
    const [a, b] = await Promise.all([socket(alice), socket(bob)]);
    assert.equal((await b.sendMessage(dm.id, 'before the block'))['type'], 'ack');
    const blockFrames = collect(alice.client, 'block');
    await alice.client.connect();

    await alice.client.block(bob.id);
    await rejectsWith(alice.client.block(bob.id), 'already_blocked', 409);
    await rejectsWith(bob.client.sendFriendRequest(alice.id), 'not_permitted', 403);
    assert.deepEqual(
      (await alice.client.blocks()).map((x) => x.profile.id),
      [bob.id],
    );
    // The existing conversation learns of the block through the friends workflow, a moment later.
    const refused = await eventually(async () => {
      const answer = await b.sendMessage(dm.id, 'after the block');
      assert.equal(answer['type'], 'error', 'the send is refused once the block reached the conversation');
      return answer;
    });
    assert.equal(refused['code'], 'not_permitted');
    assert.equal(refused['conversation'] ?? dm.id, dm.id);
    const own = await a.sendMessage(dm.id, 'to someone I blocked');
    assert.equal(own['type'], 'error');
    assert.equal(own['code'], 'blocked');

    // A new direct conversation: refused alike for a block and for "friends only", so the refusal does not say which.
    await alice.client.block(dan.id);
    await picky.client.updateProfile(picky.id, { directFrom: 'friends' });
    const byBlock = await http(server.url, dan.token, 'POST', '/v1/conversations/direct', {
      username: alice.username,
    });
    const byPrivacy = await http(server.url, dan.token, 'POST', '/v1/conversations/direct', {
      username: picky.username,
    });
    assert.equal(byBlock.status, 403);
    assert.equal((byBlock.body as { error: { code: string } }).error.code, 'not_permitted');
    assert.deepEqual(byPrivacy, byBlock, 'a block and friends-only give the same answer');
    await rejectsWith(dan.client.openDirect(alice.username), 'not_permitted', 403);
    await rejectsWith(alice.client.openDirect(dan.username), 'blocked', 403);
    await rejectsWith(alice.client.sendFriendRequest(dan.id), 'blocked', 403);

    await alice.client.unblock(bob.id);
    await rejectsWith(alice.client.unblock(bob.id), 'not_blocked', 409);
    const ack = await eventually(async () => {
      const answer = await b.sendMessage(dm.id, 'after unblocking');
      assert.equal(answer['type'], 'ack', 'the send is taken once the unblock reached the conversation');
      return answer;
    });
    const delivered = await a.next((f) => f['type'] === 'message' && f['id'] === ack['id']);
    assert.equal(delivered['content'], 'after unblocking');
    assert.equal((await a.sendMessage(dm.id, 'welcome back'))['type'], 'ack');
    await eventually(() =>
      assert.deepEqual(
        blockFrames.filter((f) => f.profile.id === bob.id).map((f) => f.event),
        ['blocked', 'unblocked'],
      ),
    );
  });

  it('friends-only direct messages: refused from a stranger, taken from a friend', async () => {
    const [picky, friend, stranger] = await Promise.all([user('picky'), user('friend'), user('stranger')]);
    const profile = await picky.client.updateProfile(picky.id, { directFrom: 'friends' });
    assert.equal(profile.directFrom, 'friends');
    await befriend(friend, picky);

    await rejectsWith(stranger.client.openDirect(picky.username), 'not_permitted', 403);
    assert.deepEqual(await stranger.client.conversations(), []);

    const dm = await friend.client.openDirect(picky.username);
    assert.equal(dm.kind, 'direct');
    assert.deepEqual(dm.members?.map((m) => m.id).sort(), [friend.id, picky.id].sort());
    const got = collect(picky.client, 'message');
    await Promise.all([picky.client.connect(), friend.client.connect()]);
    await friend.client.send(dm.id, 'hello, friend');
    await eventually(() =>
      assert.deepEqual(
        got.map((m) => [m.conversation, m.content]),
        [[dm.id, 'hello, friend']],
      ),
    );
  });
});
