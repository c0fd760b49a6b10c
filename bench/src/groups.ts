#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { percentiles } from './percentiles.js';
import { startDistributed, startSingle, type Target } from './targets.js';
import { httpSteps } from './http-steps.js';

// `node bench/dist/groups.js [--mode single|distributed] [--n 40]`: how long running a group takes, step by
// step through the HTTP API, each answered once its effect is readable: creating a group, changing its
// settings, appointing an admin, an invitation until it is in the invitee's inbox (decided on the group,
// checked on the invitee's stream and confirmed on the group by the workflow, projected), accepting it,
// posting a notice, and removing a member. One JSON report on stdout.

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'single' }, n: { type: 'string', default: '40' } } });
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('--n must be an integer from 1 to 1000');
if (values.mode !== 'single' && values.mode !== 'distributed') throw new Error('--mode is single or distributed');

const target: Target = values.mode === 'single' ? await startSingle({ fsync: 'always', tcp: false }) : await startDistributed({ gateway: 1, ingest: 1, fanout: 1, query: 1 }, 4, false);
const { call, signUp, timed } = httpSteps(target);
try {
  const suffix = Date.now().toString(36);
  const owner = await signUp(`g${suffix}`);
  const members = [];
  const invitees = [];
  for (let i = 0; i < n; i++) {
    members.push(await signUp(`g${suffix}m${i}`));
    invitees.push(await signUp(`g${suffix}i${i}`));
  }
  const steps = { create: [] as number[], update: [] as number[], appoint: [] as number[], inviteUntilInbox: [] as number[], accept: [] as number[], notice: [] as number[], remove: [] as number[] };
  for (let i = 0; i < n; i++) {
    const member = members[i]!;
    const invitee = invitees[i]!;
    const created = await timed(steps.create, () => call('POST', '/groups', owner.token, { name: `Bench ${i}`, members: [member.name] }));
    const g = `/conversations/${(created['conversation'] as { id: string }).id}`;
    await timed(steps.update, () => call('PATCH', `${g}/group`, owner.token, { description: 'measured', invitePolicy: 'anyone' }));
    await timed(steps.appoint, () => call('PUT', `${g}/members/${member.id}/role`, owner.token, { role: 'admin' }));
    await timed(steps.inviteUntilInbox, async () => {
      await call('POST', `${g}/invitations`, member.token, { usernames: [invitee.name] });
      for (;;) {
        const inbox = (await call('GET', '/invitations', invitee.token))['invitations'] as unknown[];
        if (inbox.length > 0) return;
      }
    });
    await timed(steps.accept, () => call('POST', `/invitations/${g.slice('/conversations/'.length)}`, invitee.token, { accept: true }));
    await timed(steps.notice, () => call('POST', `${g}/notices`, member.token, { text: `Notice ${i}` }));
    await timed(steps.remove, () => call('DELETE', `${g}/members/${invitee.id}`, member.token));
  }
  const ms = (xs: number[]) => Object.fromEntries(Object.entries(percentiles(xs)).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  process.stdout.write(`${JSON.stringify({ mode: values.mode, n, date: new Date().toISOString(), ms: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, ms(v)])) })}\n`);
} finally {
  await target.stop();
}
