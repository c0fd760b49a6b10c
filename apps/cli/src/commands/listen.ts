import type { ParleyClient } from '@parley/sdk';
import { CloseCodes } from '@parley/protocol';
import { CliError } from '../cli-error.js';
import { err, out, type CliIo } from '../cli-io.js';
import { connectWithin } from '../client-factory.js';
import { loggedInClient, type CommandContext } from '../command-context.js';

/**
 * `listen`: every message of every conversation, live, as one JSON line each (the protocol's `message`
 * frame), until SIGINT/SIGTERM (exit 0). Reconnects and resumes by itself; connection news goes to stderr.
 */
export async function listen(ctx: CommandContext): Promise<void> {
  const client = loggedInClient(ctx);
  client.on('message', (m) => out(ctx.io, JSON.stringify(m)));
  try {
    await connectWithin(client, ctx.at, ctx.args.timeoutMs);
    err(ctx.io, `listening as ${client.me?.username ?? '?'} on ${ctx.at.realtime ?? ctx.at.server}`);
    await untilStopped(client, ctx.io);
  } finally {
    client.close();
  }
}

/** Resolves when the process is told to stop; rejects when the server ends the session for good. */
export function untilStopped(client: ParleyClient, io: CliIo): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
    client.on('state', (state, info) => {
      if (state === 'open') return err(io, 'connected');
      if (state !== 'closed' || io.signal.aborted) return;
      const why = `${info?.reason || 'connection lost'} (${info?.code ?? '?'})`;
      if (info?.code === CloseCodes.unauthorized || info?.code === CloseCodes.loggedOut || info?.code === CloseCodes.authTimeout) {
        reject(new CliError('failed', `The server ended the session: ${why}. Run \`parley-cli login <username>\`.`));
      } else {
        err(io, `disconnected: ${why}; reconnecting`);
      }
    });
  });
}
