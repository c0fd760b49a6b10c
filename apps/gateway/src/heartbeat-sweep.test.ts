import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatSweep } from './heartbeat-sweep.js';
import type { Session } from './session.js';

/** Sweeps driven by a fake clock, ticking every period with up to ±jitter ms of timer lateness. */
function simulate(config: { intervalMs: number; timeoutMs: number }, answers: boolean, ticks: number, jitter: number) {
  let now = 0;
  const events: string[] = [];
  const session = { closed: false, lastHeardAt: 0, pingedAt: 0, socket: { ping: () => void events.push(`ping@${now}`) } };
  const sweep = new HeartbeatSweep(config, () => [session as unknown as Session], () => ((session.closed = true), events.push(`close@${now}`)), () => now);
  for (let i = 1; i <= ticks && !session.closed; i++) {
    now = i * sweep.periodMs + (i % 2 === 0 ? jitter : -jitter);
    sweep.sweep();
    if (answers && events.at(-1) === `ping@${now}`) session.lastHeardAt = now + 1; // the pong, a millisecond later
  }
  return { events, closed: session.closed, periodMs: sweep.periodMs };
}

test('heartbeat sweep: a client that answers every ping is never closed, even at timeout = 2 x interval with late timers', () => {
  for (const config of [{ intervalMs: 100, timeoutMs: 200 }, { intervalMs: 20_000, timeoutMs: 60_000 }, { intervalMs: 100, timeoutMs: 130 }]) {
    const run = simulate(config, true, 500, Math.floor(config.intervalMs / 20));
    assert.equal(run.closed, false, `${JSON.stringify(config)}: ${run.events.slice(-4).join(' ')}`);
    assert.ok(run.events.length > 10, 'it was asked again and again');
  }
});

test('heartbeat sweep: a silent client is asked first, then closed within timeout + interval', () => {
  for (const config of [{ intervalMs: 100, timeoutMs: 200 }, { intervalMs: 20_000, timeoutMs: 60_000 }, { intervalMs: 100, timeoutMs: 130 }]) {
    const run = simulate(config, false, 500, 0);
    assert.ok(run.closed, JSON.stringify(config));
    assert.match(run.events[0] ?? '', /^ping@/, 'asked before being closed');
    const closedAt = Number(run.events.at(-1)?.split('@')[1]);
    assert.ok(closedAt >= config.timeoutMs && closedAt <= config.timeoutMs + config.intervalMs, `${JSON.stringify(config)}: closed at ${closedAt}`);
    assert.equal(run.events.filter((e) => e.startsWith('ping')).length <= Math.ceil(config.timeoutMs / config.intervalMs), true, 'at most one ping per interval');
  }
});

test('heartbeat sweep: it runs every min(interval, timeout - interval) / 2 (PROTOCOL.md "Heartbeats", the bound)', () => {
  for (const [config, period] of [[{ intervalMs: 20_000, timeoutMs: 60_000 }, 10_000], [{ intervalMs: 100, timeoutMs: 130 }, 15], [{ intervalMs: 1000, timeoutMs: 3000 }, 500]] as const)
    assert.equal(new HeartbeatSweep(config, () => [], () => undefined).periodMs, period, JSON.stringify(config));
});
