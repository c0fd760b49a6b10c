#!/usr/bin/env node
// parley-cli: wires the process (argv, stdio, environment, signals) to runCli and exits with its code.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli.js';

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
// A closed pipe on stdout (`parley-cli listen | head -1`) is a normal end, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const configDir = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'parley');
const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  configDir,
  password: process.env.PARLEY_PASSWORD || undefined,
  signal: stop.signal,
});
process.exitCode = code;
// Sockets closing in the background must not hold the exit; stdout is flushed by then.
setTimeout(() => process.exit(code), 50).unref();
