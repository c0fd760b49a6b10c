import type { Topology } from './provision.js';

/** Per-user sending and reconnecting, alongside a topology. */
export interface Workload {
  topology: Topology;
  /** Messages per second per user (index), 0 to only receive. */
  rates: number[];
  /** Seconds between reconnects per user (0: stays connected). */
  reconnectEvery: number[];
  /** Connections per user are spread round robin: `connections` entries over `topology.users` users. */
  connections: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so a scenario's topology (or search.ts's corpus) is the same every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One open room: `members` users, the first `senders` of them send `rate` messages/s each. */
export function roomWorkload(members: number, senders: number, rate: number): Workload {
  return {
    topology: { users: members, conversations: [{ kind: 'room', members: Array.from({ length: members }, (_, i) => i) }] },
    rates: Array.from({ length: members }, (_, i) => (i < senders ? rate : 0)),
    reconnectEvery: new Array<number>(members).fill(0),
    connections: members,
  };
}

/** `pairs` 1:1 conversations, both ends sending `rate` messages/s each. */
export function pairsWorkload(pairs: number, rate: number): Workload {
  return {
    topology: { users: pairs * 2, conversations: Array.from({ length: pairs }, (_, p) => ({ kind: 'direct' as const, members: [2 * p, 2 * p + 1] })) },
    rates: new Array<number>(pairs * 2).fill(rate),
    reconnectEvery: new Array<number>(pairs * 2).fill(0),
    connections: pairs * 2,
  };
}

/**
 * Mixed traffic: `users` users; groups of varied size (`groups` like "3x30,10x10,50x3,150x1": 30 groups of
 * 3, 10 of 10, ...) and `pairs` 1:1 conversations, members drawn at random (seeded); every user in a
 * conversation sends `rate` messages/s round robin over its conversations; a `reconnectShare` of them
 * drop and resume every `reconnectEvery` seconds.
 */
export function mixedWorkload(users: number, groups: string, pairs: number, rate: number, reconnectShare: number, reconnectEvery: number): Workload {
  const rnd = random(42);
  const pick = (n: number): number[] => {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(n, users)) chosen.add(Math.floor(rnd() * users));
    return [...chosen];
  };
  const conversations: Topology['conversations'] = [];
  for (const spec of groups.split(',').filter((s) => s.trim().length > 0)) {
    const m = /^(\d+)x(\d+)$/.exec(spec.trim());
    if (!m) throw new Error(`--groups: "${spec}" is not <size>x<count>, e.g. 10x5`);
    for (let i = 0; i < Number(m[2]); i++) conversations.push({ kind: 'group', members: pick(Number(m[1])) });
  }
  for (let i = 0; i < pairs; i++) conversations.push({ kind: 'direct', members: pick(2) });
  const inSome = new Set(conversations.flatMap((c) => c.members));
  return {
    topology: { users, conversations },
    rates: Array.from({ length: users }, (_, u) => (inSome.has(u) ? rate : 0)),
    reconnectEvery: Array.from({ length: users }, () => (rnd() < reconnectShare ? reconnectEvery : 0)),
    connections: users,
  };
}

/** Idle: `connections` WebSockets spread over `users` users (a user's devices), nobody sends. */
export function idleWorkload(users: number, connections: number): Workload {
  return {
    topology: { users, conversations: [] },
    rates: new Array<number>(users).fill(0),
    reconnectEvery: new Array<number>(users).fill(0),
    connections,
  };
}
