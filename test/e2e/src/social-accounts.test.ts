import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import { CloseCodes } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { newClient, uniqueName } from './clients.js';
import {
  PASSWORD,
  anotherDevice,
  closeCodes,
  collect,
  rejectsWith,
  signUp,
  type TestUser,
} from './social-helpers.js';

/** `s` in fullwidth capitals (ａ -> Ａ, 1 -> １): NFKC and lowercasing make it `s` again. */
function fullwidthUpper(s: string): string {
  return [...s.toUpperCase()]
    .map((c) => (c >= '!' && c <= '~' ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c))
    .join('');
}

describe('settings on every device, profiles, sessions and the log mailer on a started single node', () => {
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
  const device = async (u: TestUser, clientName?: string): Promise<TestUser> => {
    const d = await anotherDevice(server.url, u, clientName);
    closers.push(() => d.client.close());
    return d;
  };

  it("private settings reach the profile's other device and shape its list: pinned first, hidden until a new message, filtered by remark; not for others' conversations", async () => {
    const [me, bob, cat] = await Promise.all([user('owner'), user('bob'), user('cat')]);
    const phone = await device(me, 'phone');
    const settingsOnPhone = collect(phone.client, 'settings');
    const remarksOnPhone = collect(phone.client, 'remark');
    await phone.client.connect();
    const withBob = await me.client.openDirect(bob.username);
    const withCat = await me.client.openDirect(cat.username);
    await bob.client.connect();
    await cat.client.connect();
    await bob.client.send(withBob.id, 'older');
    await cat.client.send(withCat.id, 'newer');
    await eventually(async () =>
      assert.deepEqual(
        (await phone.client.conversations()).map((c) => c.id),
        [withCat.id, withBob.id],
        'by activity',
      ),
    );

    const pinned = await me.client.setConversationSettings(withBob.id, {
      pinned: true,
      muteUntil: -1,
      remark: 'Book club',
    });
    assert.deepEqual(pinned, { pinned: true, muteUntil: -1, hidden: false, remark: 'Book club' });
    await eventually(() =>
      assert.deepEqual(settingsOnPhone.at(-1), {
        type: 'settings',
        conversation: withBob.id,
        settings: pinned,
      }),
    );
    const list = await phone.client.conversations();
    assert.deepEqual(
      list.map((c) => c.id),
      [withBob.id, withCat.id],
      'pinned first',
    );
    assert.deepEqual(list[0]?.settings, pinned);
    assert.deepEqual(await phone.client.conversationSettings(withBob.id), pinned);
    assert.deepEqual(
      (await phone.client.conversations({ q: 'BOOK' })).map((c) => c.id),
      [withBob.id],
      'the filter matches the remark',
    );
    await me.client.setRemark(cat.id, 'Cathérine from work');
    await eventually(() =>
      assert.deepEqual(remarksOnPhone.at(-1), {
        type: 'remark',
        contact: cat.id,
        remark: 'Cathérine from work',
      }),
    );
    assert.deepEqual(
      (await phone.client.conversations({ q: 'catherine' })).map((c) => c.id),
      [withCat.id],
      "the filter matches the other member's remark",
    );

    await me.client.setConversationSettings(withCat.id, { hidden: true });
    await eventually(() => assert.equal(settingsOnPhone.at(-1)?.settings.hidden, true));
    assert.deepEqual(
      (await phone.client.conversations()).map((c) => c.id),
      [withBob.id],
      'hidden is left out',
    );
    assert.deepEqual(
      (await phone.client.conversations({ hidden: true })).map((c) => c.id),
      [withBob.id, withCat.id],
      'unless asked for',
    );
    await cat.client.send(withCat.id, 'still there?');
    await eventually(async () =>
      assert.deepEqual(
        (await phone.client.conversations()).map((c) => c.id),
        [withBob.id, withCat.id],
        'a new message brings it back',
      ),
    );

    const notMine = await bob.client.openDirect(cat.username);
    await rejectsWith(me.client.setConversationSettings(notMine.id, { pinned: true }), 'not_member', 403);
    await rejectsWith(me.client.conversationSettings(notMine.id), 'not_member', 403);
  });

  it('profiles keep their conversations apart: a second profile switched to without the password, its own list and messages; handles collide after NFKC and case; deleting signs its sockets out', async () => {
    const [me, cat] = await Promise.all([user('multi'), user('cat')]);
    const firstGot = collect(me.client, 'message');
    await Promise.all([me.client.connect(), cat.client.connect()]);
    const mine = await cat.client.openDirect(me.username);
    await cat.client.send(mine.id, 'to the first profile');

    const handle = `Work${uniqueName('p')}`.slice(0, 32);
    const second = await me.client.createProfile(handle, 'At work');
    assert.equal(second.handle, handle);
    assert.deepEqual(
      (await me.client.profiles()).map((p) => p.id),
      [me.id, second.id],
    );

    const work = newClient(server.url);
    closers.push(() => work.close());
    work.useToken(me.token);
    const switched = await work.switchProfile(second.id, { client: 'work laptop' });
    assert.equal(switched.user.id, second.id);
    assert.deepEqual(await work.conversations(), [], 'the second profile has no conversations');
    assert.deepEqual(
      (await me.client.conversations()).map((c) => c.id),
      [mine.id],
      'the first keeps its own',
    );

    const workGot = collect(work, 'message');
    const workProfileFrames = collect(work, 'profile');
    const workCloses = closeCodes(work);
    await work.connect();
    await me.client.updateProfile(second.id, { bio: 'Weekdays only' });
    await eventually(() =>
      assert.deepEqual(
        workProfileFrames.map((f) => [f.event, f.id, f.bio]),
        [['updated', second.id, 'Weekdays only']],
        "the profile's devices hear of its change",
      ),
    );
    const theirs = await cat.client.openDirect(handle);
    assert.deepEqual(theirs.members?.map((m) => m.id).sort(), [cat.id, second.id].sort());
    await cat.client.send(theirs.id, 'to the second profile');
    await eventually(() =>
      assert.deepEqual(
        workGot.map((m) => m.content),
        ['to the second profile'],
      ),
    );
    // Sent after the other, in a conversation the first profile is in: once it arrived, so would have the other.
    await cat.client.send(mine.id, 'to the first again');
    await eventually(() =>
      assert.deepEqual(
        firstGot.map((m) => m.content),
        ['to the first profile', 'to the first again'],
      ),
    );
    assert.equal(
      firstGot.some((m) => m.conversation === theirs.id),
      false,
      "the first profile's socket never sees the second's messages",
    );

    await rejectsWith(me.client.createProfile(fullwidthUpper(cat.username)), 'handle_taken', 409);
    await rejectsWith(newClient(server.url).register(handle.toLowerCase(), PASSWORD), 'username_taken', 409);
    await rejectsWith(cat.client.deleteProfile(cat.id), 'last_profile', 409);

    await me.client.deleteProfile(second.id);
    await eventually(() => assert.deepEqual(workCloses, [CloseCodes.loggedOut]));
    await rejectsWith(work.conversations(), 'token_revoked', 401);
    assert.deepEqual(
      (await me.client.profiles()).map((p) => p.id),
      [me.id],
    );
  });

  it('sessions: each device is listed with its client name; revoking one closes its socket at once and its token is refused', async () => {
    const me = await user('devices');
    const phone = await device(me, 'phone');
    const laptop = await device(me, 'laptop');
    const laptopCloses = closeCodes(laptop.client);
    await Promise.all([phone.client.connect(), laptop.client.connect()]);

    const sessions = await phone.client.sessions();
    const byClient = new Map(sessions.map((s) => [s.client, s]));
    assert.equal(byClient.get('phone')?.current, true);
    assert.equal(byClient.get('laptop')?.current, false);
    assert.equal(sessions.filter((s) => s.current).length, 1);

    await phone.client.revokeSession(byClient.get('laptop')!.id);
    await eventually(() => assert.deepEqual(laptopCloses, [CloseCodes.loggedOut]));
    await rejectsWith(laptop.client.fetchMe(), 'token_revoked', 401);
    assert.equal((await phone.client.fetchMe()).user.id, me.id, 'the device that revoked stays signed in');
    assert.deepEqual(
      (await phone.client.sessions()).map((s) => s.client).filter((c) => c === 'laptop'),
      [],
      'gone from the list',
    );
  });

  it('without SMTP the server says at start that codes go to its log, and writes a requested code there', async () => {
    assert.ok(
      server.logs.some((l) => l.includes('"level":"warn"') && l.includes('PARLEY_SMTP_URL is not set')),
      'a warning at start says codes are logged',
    );
    const me = await user('nomail');
    const email = `${me.username}@example.test`;
    await me.client.requestEmailCode(email);
    const line = await eventually(() => {
      const found = server.logs.find((l) => l.includes('email not sent') && l.includes(email));
      assert.ok(found, 'the mail is in the log');
      return JSON.parse(found) as { to: string; subject: string; text: string };
    });
    assert.equal(line.to, email);
    const code = /\b(\d{6})\b/.exec(line.subject)?.[1];
    assert.ok(code, `a code in "${line.subject}"`);
    assert.ok(line.text.includes(code));
    assert.equal((await me.client.verifyEmail(code)).email, email, 'the logged code is the real one');
  });
});
