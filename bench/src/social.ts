#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { percentiles } from './percentiles.js';
import { startDistributed, startSingle, type Target } from './targets.js';
import { httpSteps } from './http-steps.js';

// `node bench/dist/social.js [--mode single|distributed] [--n 40]`: how long the social layer's two-stream
// steps take end to end, through the HTTP API: a new direct conversation (approved on the other profile's
// stream, created by the friends workflow, projected), a friend request, its acceptance, and the moment the
// requester's side (written by the workflow) lists the friend. One JSON report on stdout.

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'single' }, n: { type: 'string', default: '40' } } });
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('--n must be an integer from 1 to 1000');
if (values.mode !== 'single' && values.mode !== 'distributed') throw new Error('--mode is single or distributed');

const target: Target = values.mode === 'single' ? await startSingle({ fsync: 'always', tcp: false }) : await startDistributed({ gateway: 1, ingest: 1, fanout: 1, query: 1 }, 4, false);
const { call, signUp, timed } = httpSteps(target);
try {
  const suffix = Date.now().toString(36);
  const me = await signUp(`s${suffix}`);
  const others = [];
  for (let i = 0; i < n; i++) others.push(await signUp(`s${suffix}x${i}`));
  const direct: number[] = [];
  const request: number[] = [];
  const accept: number[] = [];
  const bothSides: number[] = [];
  for (const other of others) {
    await timed(direct, () => call('POST', '/conversations/direct', me.token, { username: other.name }));
    let requestId = '';
    await timed(request, async () => (requestId = ((await call('POST', '/friends/requests', me.token, { profile: other.id }))['request'] as { id: string }).id));
    const t = performance.now();
    await timed(accept, () => call('POST', `/friends/requests/${requestId}/accept`, other.token));
    for (;;) {
      const friends = (await call('GET', '/friends', me.token))['friends'] as Array<{ profile: { id: string } }>;
      if (friends.some((f) => f.profile.id === other.id)) break;
    }
    bothSides.push(performance.now() - t);
  }
  const ms = (xs: number[]) => Object.fromEntries(Object.entries(percentiles(xs)).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  process.stdout.write(`${JSON.stringify({ mode: values.mode, n, date: new Date().toISOString(), ms: { openDirect: ms(direct), sendFriendRequest: ms(request), acceptFriendRequest: ms(accept), acceptUntilBothSides: ms(bothSides) } })}\n`);
} finally {
  await target.stop();
}
