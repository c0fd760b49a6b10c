import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL: Options = {
  server: { type: 'string' },
  realtime: { type: 'string' },
  ca: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** Each command: its positionals (for usage), its own options, and one line of help. */
export const COMMANDS = {
  login: { args: '<username>', options: { 'password-stdin': { type: 'boolean' } }, help: 'log in and keep the token (password: prompt, --password-stdin or PARLEY_PASSWORD)' },
  register: { args: '<username>', options: { 'password-stdin': { type: 'boolean' } }, help: 'create an account, then log in as login does' },
  logout: { args: '', options: {}, help: 'revoke the token and forget it' },
  whoami: { args: '', options: {}, help: 'the logged-in user and endpoints' },
  conversations: { args: '', options: {}, help: 'your conversations with unread counts' },
  history: { args: '<conversation>', options: { limit: { type: 'string' }, before: { type: 'string' } }, help: 'the latest messages (--limit N, --before SEQ)' },
  send: { args: '<conversation> <text...|->', options: {}, help: "send a message ('-': the text from stdin); prints the ack" },
  listen: { args: '', options: {}, help: 'print every incoming message as one JSON line until killed' },
  chat: { args: '<conversation>', options: { limit: { type: 'string' } }, help: 'interactive: history, then live messages; each line you type is sent' },
  open: { args: '<conversation>', options: { limit: { type: 'string' } }, help: 'the same as chat' },
  direct: { args: '<username>', options: {}, help: 'open (or create) the direct conversation with a user; prints its id' },
  help: { args: '', options: {}, help: 'this text' },
} as const satisfies Record<string, { args: string; options: Options; help: string }>;

export type CommandName = keyof typeof COMMANDS;

export interface ParsedArgs {
  readonly command: CommandName;
  readonly positionals: readonly string[];
  readonly server: string | undefined;
  readonly realtime: string | undefined;
  readonly ca: string | undefined;
  readonly json: boolean;
  /** How long to wait for a connection, an answer or an ack, in ms (`--timeout` seconds; default 15). */
  readonly timeoutMs: number;
  readonly passwordStdin: boolean;
  readonly limit: number | undefined;
  readonly before: number | undefined;
}

export function usage(): string {
  const width = Math.max(...Object.entries(COMMANDS).map(([name, c]) => `${name} ${c.args}`.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${`${name} ${c.args}`.padEnd(width)}  ${c.help}`);
  return [
    'Usage: parley-cli <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'A <conversation> is an id (d.…, g.…, r.…) or @username for the direct conversation with that user.',
    '',
    'Options:',
    '  --server URL     the HTTP API (default: the logged-in one, else http://localhost:8080)',
    '  --realtime URL   ws://, wss://, tcp://host:port or tls://host:port (default: the server\'s WebSocket)',
    '  --ca FILE        a CA certificate to trust for tls:// (self-signed servers)',
    '  --json           machine-readable output (one JSON document; listen and chat print JSON lines)',
    '  --timeout SECS   how long to wait for the server (default 15)',
    '',
    'Exit codes: 0 ok, 1 failed (the message says what to do), 2 usage.',
  ].join('\n');
}

const ALL: Options = Object.assign({}, GLOBAL, ...Object.values(COMMANDS).map((c) => c.options));

/** Parses argv (without node and the script); a mistake is a usage error (exit 2). */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: ALL, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const name = values.help ? 'help' : (positionals[0] ?? 'help');
  if (!(name in COMMANDS)) throw usageError(`Unknown command '${name}'.`);
  const command = name as CommandName;
  const allowed = new Set([...Object.keys(GLOBAL), ...Object.keys(COMMANDS[command].options)]);
  for (const key of Object.keys(values)) if (!allowed.has(key)) throw usageError(`'${command}' does not take --${key}.`);
  const wanted = COMMANDS[command].args.split(' ').filter((a) => a.startsWith('<')).length;
  const rest = positionals.slice(1);
  if (rest.length < wanted) throw usageError(`Usage: parley-cli ${command} ${COMMANDS[command].args}`);
  if (!COMMANDS[command].args.includes('...') && rest.length > wanted) throw usageError(`'${command}' takes ${COMMANDS[command].args || 'no arguments'}; got '${rest.join(' ')}'.`);
  const timeout = number(values.timeout, 'timeout');
  return Object.freeze({
    command,
    positionals: rest,
    server: values.server as string | undefined,
    realtime: values.realtime as string | undefined,
    ca: values.ca as string | undefined,
    json: values.json === true,
    timeoutMs: (timeout ?? 15) * 1000,
    passwordStdin: values['password-stdin'] === true,
    limit: number(values.limit, 'limit'),
    before: number(values.before, 'before'),
  });
}

function number(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n <= 0) throw usageError(`--${name} must be a positive number, not '${String(value)}'.`);
  return n;
}
