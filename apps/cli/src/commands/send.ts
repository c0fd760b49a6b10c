import { usageError } from '../cli-error.js';
import { out } from '../cli-io.js';
import { connectWithin } from '../client-factory.js';
import { loggedInClient, resolveConversation, type CommandContext } from '../command-context.js';
import { readAll } from '../password.js';

/** `send <conversation> <text...>` or `send <conversation> -` (the text from stdin): sends over the realtime connection and waits for the ack. */
export async function send(ctx: CommandContext): Promise<void> {
  const [target, ...words] = ctx.args.positionals;
  const fromStdin = words.length === 1 && words[0] === '-';
  const text = fromStdin ? (await readAll(ctx.io.stdin)).replace(/\r?\n$/, '') : words.join(' ');
  if (!text) throw usageError(fromStdin ? 'stdin was empty: nothing to send.' : 'Nothing to send: give the text after the conversation, or - to read it from stdin.');
  const client = loggedInClient(ctx);
  try {
    const id = await resolveConversation(client, target!);
    await connectWithin(client, ctx.at, ctx.args.timeoutMs);
    const ack = await client.send(id, text);
    if (ctx.args.json) out(ctx.io, JSON.stringify({ type: 'ack', ...ack }));
    else out(ctx.io, `Sent to ${id} as #${ack.seq}.`);
  } finally {
    client.close();
  }
}
