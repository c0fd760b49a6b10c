import { CliError } from '../cli-error.js';
import { out } from '../cli-io.js';
import { createClient } from '../client-factory.js';
import { loggedInClient, type CommandContext } from '../command-context.js';
import { readPassword } from '../password.js';
import { removeSession, writeSession } from '../session-store.js';

/** `login <username>`: gets a token and keeps it (with the endpoints used) in the session file. */
export async function login(ctx: CommandContext, register = false): Promise<void> {
  const username = ctx.args.positionals[0]!;
  const password = await readPassword(ctx.io, ctx.args.passwordStdin);
  const client = createClient(ctx.at, ctx.args.timeoutMs);
  if (register) await client.register(username, password);
  const res = await client.login(username, password);
  const path = await writeSession(ctx.io.configDir, {
    server: ctx.at.server,
    ...(ctx.at.realtime !== undefined ? { realtime: ctx.at.realtime } : {}),
    ...(ctx.at.ca !== undefined ? { ca: ctx.at.ca } : {}),
    token: res.token,
    expiresAt: res.expiresAt,
    user: res.user,
  });
  if (ctx.args.json) out(ctx.io, JSON.stringify({ user: res.user, expiresAt: res.expiresAt, server: ctx.at.server, realtime: ctx.at.realtime ?? null, session: path }));
  else out(ctx.io, `${register ? 'Registered and logged' : 'Logged'} in as ${res.user.username} on ${ctx.at.server} (token kept in ${path}, valid until ${new Date(res.expiresAt).toISOString()}).`);
}

/** `logout`: revokes the token on the server (every connection using it closes with 4009), then forgets it. */
export async function logout(ctx: CommandContext): Promise<void> {
  if (!ctx.session) throw new CliError('failed', 'Not logged in; nothing to do.');
  const client = loggedInClient(ctx);
  try {
    await client.logout();
  } finally {
    await removeSession(ctx.io.configDir);
  }
  if (ctx.args.json) out(ctx.io, JSON.stringify({ loggedOut: ctx.session.user }));
  else out(ctx.io, `Logged out ${ctx.session.user.username}.`);
}

/** `whoami`: the stored user and endpoints (no server round trip). */
export async function whoami(ctx: CommandContext): Promise<void> {
  if (!ctx.session) throw new CliError('failed', 'Not logged in. Run `parley-cli login <username>`.');
  const { user, expiresAt } = ctx.session;
  if (ctx.args.json) out(ctx.io, JSON.stringify({ user, expiresAt, server: ctx.at.server, realtime: ctx.at.realtime ?? null }));
  else out(ctx.io, `${user.username} (${user.id}) on ${ctx.at.server}, realtime ${ctx.at.realtime ?? 'WebSocket'}; token valid until ${new Date(expiresAt).toISOString()}`);
}
