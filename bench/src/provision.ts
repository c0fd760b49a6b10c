import type { Target } from './targets.js';
import { pool } from './drive.js';

/** Who talks where: users by index, and each conversation's members (indexes into the users). */
export interface Topology {
  users: number;
  conversations: { kind: 'room' | 'direct' | 'group'; members: number[] }[];
}

/** The provisioned result: a token per user and each conversation's id, in the topology's order. */
export interface Provisioned {
  tokens: string[];
  conversationIds: string[];
}

/** Shows progress on stderr for work that takes more than a moment. */
function progress(label: string, total: number): () => void {
  let done = 0;
  let shown = Date.now();
  return () => {
    done++;
    if (done === total || Date.now() - shown > 2000) {
      shown = Date.now();
      process.stderr.write(`  ${label}: ${done}/${total}\n`);
    }
  };
}

/**
 * Registers and logs in the users and creates the conversations over Parley's HTTP API. Registration
 * hashes each password with argon2id on the server, so this is the slow part of a big run (a few users
 * a second per core).
 */
export async function provisionParley(target: Target, topology: Topology): Promise<Provisioned> {
  const suffix = Date.now().toString(36);
  const usernames = Array.from({ length: topology.users }, (_, i) => `b${suffix}${i}`);
  const tokens: string[] = new Array<string>(topology.users);
  const post = async (path: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${target.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (res.ok) return (await res.json()) as Record<string, unknown>;
      const text = await res.text();
      // 503/504 while a freshly started cluster settles: try again a few times.
      if ((res.status === 503 || res.status === 504) && attempt < 5) continue;
      throw new Error(`POST ${path}: ${res.status} ${text}`);
    }
  };
  const password = 'correct horse battery staple';
  const registered = progress('users registered', topology.users);
  await pool(usernames, 4, async (username, i) => {
    await post('/v1/auth/register', { username, password });
    tokens[i] = (await post('/v1/auth/login', { username, password }))['token'] as string;
    registered();
  });
  const conversationIds: string[] = new Array<string>(topology.conversations.length);
  const created = progress('conversations set up', topology.conversations.length);
  await pool(topology.conversations, 4, async (c, i) => {
    const [first] = c.members;
    if (first === undefined) throw new Error('a conversation needs members');
    if (c.kind === 'room') {
      const name = `bench${suffix}r${i}`;
      await pool(c.members, 8, async (m) => void (await post(`/v1/rooms/${name}/join`, {}, tokens[m])));
      conversationIds[i] = `r.${name}`;
    } else if (c.kind === 'direct') {
      const other = c.members[1];
      if (other === undefined) throw new Error('a direct conversation has two members');
      conversationIds[i] = ((await post('/v1/conversations/direct', { username: usernames[other] }, tokens[first]))['conversation'] as { id: string }).id;
    } else {
      const members = c.members.slice(1).map((m) => usernames[m]);
      conversationIds[i] = ((await post('/v1/groups', { name: `bench ${i}`, members }, tokens[first]))['conversation'] as { id: string }).id;
    }
    created();
  });
  return { tokens, conversationIds };
}

/** For the bare ceiling server: no accounts; a user's token is the list of its conversations. */
export function provisionBare(topology: Topology): Provisioned {
  const conversationIds = topology.conversations.map((_, i) => `c${i}`);
  const of: string[][] = Array.from({ length: topology.users }, () => []);
  topology.conversations.forEach((c, i) => c.members.forEach((m) => of[m]!.push(conversationIds[i]!)));
  return { tokens: of.map((cs) => cs.join(',')), conversationIds };
}
