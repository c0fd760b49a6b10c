import type { ParleyClient } from '@parley/sdk';
import { CONVERSATION_ID } from '@parley/protocol';
import type { ParsedArgs } from './args.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createClient, type Endpoints } from './client-factory.js';
import type { Session } from './session-store.js';

/** What every command gets: its arguments, the process I/O, the stored session and the endpoints to use. */
export interface CommandContext {
  readonly args: ParsedArgs;
  readonly io: CliIo;
  readonly session: Session | undefined;
  readonly at: Endpoints;
}

export type Command = (ctx: CommandContext) => Promise<void>;

/** A client logged in with the stored token; the commands that need one fail with what to do without it. */
export function loggedInClient(ctx: CommandContext, positions?: Record<string, number>): ParleyClient {
  if (!ctx.session) throw new CliError('failed', 'Not logged in. Run `parley-cli login <username>` (or `register <username>` for a new account).');
  const client = createClient(ctx.at, ctx.args.timeoutMs, positions);
  client.useToken(ctx.session.token, ctx.session.user);
  return client;
}

/** A conversation argument: an id as is, or `@username` for the direct conversation with that user. */
export async function resolveConversation(client: ParleyClient, arg: string): Promise<string> {
  if (arg.startsWith('@')) return (await client.openDirect(arg.slice(1))).id;
  if (!CONVERSATION_ID.test(arg)) throw new CliError('usage', `'${arg}' is not a conversation id (d.…, g.…, r.…) or @username. List yours with \`parley-cli conversations\`.`);
  return arg;
}
