import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { MessageFrame } from '@parley/sdk';
import { CliError } from '../cli-error.js';
import { err } from '../cli-io.js';
import { connectWithin } from '../client-factory.js';
import { loggedInClient, resolveConversation, type CommandContext } from '../command-context.js';
import { formatMessage } from '../format.js';
import { untilStopped } from './listen.js';

/**
 * `chat <conversation>` (and `open`): the latest history, then live messages of that conversation, each
 * marked read as it is shown; every line typed is sent. Ends on `/quit`, end of input or a signal, after the
 * pending sends are acked. Works with piped input too (one message per line), without a prompt.
 */
export async function chat(ctx: CommandContext): Promise<void> {
  const { io, args } = ctx;
  const lookup = loggedInClient(ctx);
  const id = await resolveConversation(lookup, args.positionals[0]!);
  const page = await lookup.history(id, { limit: args.limit ?? 20 });
  const lastSeq = page.messages.at(-1)?.seq ?? 0;
  // Resuming from the last seq shown fills whatever arrives between the history page and the live stream.
  const client = loggedInClient(ctx, { [id]: lastSeq });
  const tty = io.stdin.isTTY === true && io.stdout.isTTY === true;
  let rl: Interface | undefined;
  const show = (m: MessageFrame) => {
    const line = args.json ? JSON.stringify(m) : formatMessage(m);
    if (tty) {
      clearLine(io.stdout, 0);
      cursorTo(io.stdout, 0);
      io.stdout.write(`${line}\n`);
      rl?.prompt(true);
    } else io.stdout.write(`${line}\n`);
  };
  for (const m of page.messages) show(m);
  client.on('message', (m) => {
    if (m.conversation !== id) return;
    show(m);
    client.markRead(id, m.seq);
  });
  const pending = new Set<Promise<unknown>>();
  let failures = 0;
  try {
    await connectWithin(client, ctx.at, args.timeoutMs);
    if (lastSeq > 0) client.markRead(id, lastSeq);
    // Only now: lines read before the connection was up would be lost.
    const input = (rl = createInterface({ input: io.stdin, ...(tty ? { output: io.stdout, terminal: true } : { terminal: false }) }));
    input.setPrompt('> ');
    if (tty) {
      err(io, `Chatting in ${id} as ${client.me?.username ?? '?'}. Type a message and Enter; /quit to leave.`);
      input.prompt();
    }
    const inputEnded = new Promise<void>((resolve) => input.once('close', resolve));
    input.on('line', (line) => {
      const text = line.trim();
      if (text === '/quit') return void input.close();
      if (text) {
        const sent = client.send(id, text).catch((error: Error) => {
          failures++;
          err(io, `not sent: ${text.slice(0, 40)}: ${error.message}`);
        });
        pending.add(sent);
        void sent.finally(() => pending.delete(sent));
      }
      if (tty) input.prompt();
    });
    await Promise.race([inputEnded, untilStopped(client, io)]);
    await Promise.allSettled([...pending]);
  } finally {
    rl?.close();
    client.close();
  }
  if (failures > 0) throw new CliError('failed', `${failures} message(s) were not sent (see above).`);
}
