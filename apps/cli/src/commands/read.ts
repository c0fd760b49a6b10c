import { out } from '../cli-io.js';
import { loggedInClient, resolveConversation, type CommandContext } from '../command-context.js';
import { formatConversations, formatMessage } from '../format.js';

/** `conversations`: the caller's conversations with unread counts (GET /v1/conversations). */
export async function conversations(ctx: CommandContext): Promise<void> {
  const client = loggedInClient(ctx);
  const list = await client.conversations();
  if (ctx.args.json) out(ctx.io, JSON.stringify({ conversations: list }));
  else out(ctx.io, formatConversations(list, ctx.session?.user.username));
}

/** `history <conversation>`: the latest page (or the one before --before), oldest first. */
export async function history(ctx: CommandContext): Promise<void> {
  const client = loggedInClient(ctx);
  const id = await resolveConversation(client, ctx.args.positionals[0]!);
  const page = await client.history(id, { limit: ctx.args.limit ?? 50, ...(ctx.args.before !== undefined ? { before: ctx.args.before } : {}) });
  if (ctx.args.json) out(ctx.io, JSON.stringify({ conversation: id, ...page }));
  else if (page.messages.length === 0) out(ctx.io, 'No messages.');
  else out(ctx.io, page.messages.map((m) => formatMessage(m)).join('\n'));
}

/** `direct <username>`: opens or creates the direct conversation; prints its id (the whole summary with --json). */
export async function direct(ctx: CommandContext): Promise<void> {
  const client = loggedInClient(ctx);
  const conversation = await client.openDirect(ctx.args.positionals[0]!);
  out(ctx.io, ctx.args.json ? JSON.stringify({ conversation }) : conversation.id);
}
