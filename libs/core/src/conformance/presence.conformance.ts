import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Presence } from '../ports/presence.js';
import { eventually } from './eventually.js';

/** What every Presence adapter must do. `open` gives one over fresh state with the lease `ttlMs`. */
export interface PresenceHarness {
  readonly ttlMs: number;
  open(): Promise<{ presence: Presence; cleanup(): Promise<void> }>;
}

export function presenceConformance(adapter: string, harness: PresenceHarness): void {
  describe(`Presence conformance: ${adapter}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    const fresh = async () => {
      const h = await harness.open();
      cleanups.push(h.cleanup);
      const id = randomUUID().slice(0, 8);
      return { presence: h.presence, user: (n: string) => `u-${id}-${n}`, gw: (n: string) => `gw-${id}-${n}` };
    };

    it('locates every gateway holding a connection of a user, and forgets closed ones', async () => {
      const { presence, user, gw } = await fresh();
      await presence.connect({ userId: user('a'), gatewayId: gw('1'), connectionId: 'c1' });
      await presence.connect({ userId: user('a'), gatewayId: gw('2'), connectionId: 'c2' });
      await presence.connect({ userId: user('a'), gatewayId: gw('2'), connectionId: 'c3' });
      await presence.connect({ userId: user('b'), gatewayId: gw('1'), connectionId: 'c4' });
      const found = await presence.locate([user('a'), user('b'), user('nobody')]);
      assert.deepEqual(found.get(user('a'))?.sort(), [gw('1'), gw('2')].sort());
      assert.deepEqual(found.get(user('b')), [gw('1')]);
      assert.equal(found.has(user('nobody')), false);
      await presence.disconnect({ userId: user('a'), gatewayId: gw('2'), connectionId: 'c2' });
      assert.deepEqual((await presence.locate([user('a')])).get(user('a'))?.sort(), [gw('1'), gw('2')].sort());
      await presence.disconnect({ userId: user('a'), gatewayId: gw('2'), connectionId: 'c3' });
      assert.deepEqual((await presence.locate([user('a')])).get(user('a')), [gw('1')]);
    });

    it('reports a user going online and offline once, not per connection', async () => {
      const { presence, user, gw } = await fresh();
      const changes: string[] = [];
      const off = presence.onChange((c) => {
        if (c.userId === user('a')) changes.push(c.online ? 'on' : 'off');
      });
      await presence.connect({ userId: user('a'), gatewayId: gw('1'), connectionId: 'c1' });
      await presence.connect({ userId: user('a'), gatewayId: gw('1'), connectionId: 'c2' });
      await presence.disconnect({ userId: user('a'), gatewayId: gw('1'), connectionId: 'c1' });
      await presence.disconnect({ userId: user('a'), gatewayId: gw('1'), connectionId: 'c2' });
      await eventually(() => assert.deepEqual(changes, ['on', 'off']));
      off();
    });

    it("expires a gateway's connections when it stops heartbeating, and keeps those that heartbeat", async () => {
      const { presence, user, gw } = await fresh();
      await presence.connect({ userId: user('a'), gatewayId: gw('dead'), connectionId: 'c1' });
      await presence.connect({ userId: user('b'), gatewayId: gw('live'), connectionId: 'c2' });
      const offline: string[] = [];
      presence.onChange((c) => {
        if (!c.online) offline.push(c.userId);
      });
      const deadline = Date.now() + harness.ttlMs * 3;
      while (Date.now() < deadline) {
        await presence.heartbeat(gw('live'));
        await sleep(harness.ttlMs / 4);
      }
      const found = await presence.locate([user('a'), user('b')]);
      assert.equal(found.has(user('a')), false);
      assert.deepEqual(found.get(user('b')), [gw('live')]);
      await eventually(() => assert.deepEqual(offline, [user('a')]), harness.ttlMs * 4);
    });

    it('remembers when a user went offline (on disconnect and on expiry), and not while online', async () => {
      const { presence, user, gw } = await fresh();
      const before = Date.now() - 1000; // server clocks (Redis) may differ a little
      await presence.connect({ userId: user('a'), gatewayId: gw('1'), connectionId: 'c1' });
      await presence.connect({ userId: user('b'), gatewayId: gw('gone'), connectionId: 'c2' });
      assert.equal((await presence.lastSeen([user('a')])).size, 0, 'never offline yet');
      await presence.disconnect({ userId: user('a'), gatewayId: gw('1'), connectionId: 'c1' });
      const seen = await presence.lastSeen([user('a'), user('never')]);
      assert.ok((seen.get(user('a')) ?? 0) >= before, `last seen ${seen.get(user('a'))} after ${before}`);
      assert.equal(seen.has(user('never')), false);
      await eventually(async () => assert.ok(((await presence.lastSeen([user('b')])).get(user('b')) ?? 0) >= before), harness.ttlMs * 4);
    });

    it('broadcasts signals to every listener, its own instance included, and stops after unsubscribing', async () => {
      const { presence } = await fresh();
      await (presence as { ready?: () => Promise<void> }).ready?.();
      const got: unknown[] = [];
      const off = presence.onSignal((s) => got.push(s));
      const signal = { kind: 'typing', conversation: 'g.x', user: { id: 'u1', username: 'a' }, typing: true, to: ['u2'] };
      await presence.publish(signal);
      await eventually(() => assert.deepEqual(got, [signal]));
      off();
      await presence.publish({ kind: 'typing', typing: false });
      await sleep(50);
      assert.equal(got.length, 1);
    });
  });
}
