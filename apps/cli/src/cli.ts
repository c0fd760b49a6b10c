import { parseCliArgs, usage, type CommandName } from './args.js';
import { CliError, ExitCodes } from './cli-error.js';
import { err, out, type CliIo } from './cli-io.js';
import { endpoints, explain, type Endpoints } from './client-factory.js';
import type { Command, CommandContext } from './command-context.js';
import { login, logout, whoami } from './commands/account.js';
import { chat } from './commands/chat.js';
import { listen } from './commands/listen.js';
import { conversations, direct, history } from './commands/read.js';
import { send } from './commands/send.js';
import { readSession } from './session-store.js';

const COMMANDS: Record<CommandName, Command> = {
  login: (ctx) => login(ctx),
  register: (ctx) => login(ctx, true),
  logout,
  whoami,
  conversations,
  history,
  send,
  listen,
  chat,
  open: chat,
  direct,
  help: async (ctx) => out(ctx.io, usage()),
};

/** Runs one command line; returns the exit code (0 ok, 1 failed with a message on stderr, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let at: Endpoints | undefined;
  try {
    const args = parseCliArgs(argv);
    const session = await readSession(io.configDir);
    at = endpoints(args, session);
    const ctx: CommandContext = { args, io, session, at };
    await COMMANDS[args.command](ctx);
    return ExitCodes.ok;
  } catch (error) {
    const failure = error instanceof CliError ? error : explain(error, at);
    err(io, `parley-cli: ${failure.message}`);
    return failure.exitCode;
  }
}
