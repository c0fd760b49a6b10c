import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

/** The password from --password-stdin, PARLEY_PASSWORD, or (only on a terminal) a prompt that does not echo. */
export async function readPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const text = await readAll(io.stdin);
    const password = text.split(/\r?\n/)[0] ?? '';
    if (!password) throw new CliError('usage', '--password-stdin read an empty password. Pipe it in: `printf %s "$PW" | parley-cli login NAME --password-stdin`.');
    return password;
  }
  if (io.password) return io.password;
  if (!io.stdin.isTTY || !io.stdin.setRawMode) {
    throw new CliError('usage', 'No password: stdin is not a terminal, so there is no prompt. Use --password-stdin or set PARLEY_PASSWORD.');
  }
  return prompt(io, 'Password: ');
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from a terminal in raw mode, echoing nothing. Ctrl-C or Ctrl-D aborts. */
function prompt(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  let typed = '';
  return new Promise<string>((resolve, reject) => {
    const done = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString()) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new CliError('failed', 'Cancelled.'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
