/**
 * Everything the CLI takes from its process, handed in by main.ts: commands never touch `process`, so
 * they run the same in a test.
 */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  /** Where the session file lives: `$XDG_CONFIG_HOME/parley`, else `~/.config/parley`. */
  readonly configDir: string;
  /** `PARLEY_PASSWORD`, for scripts. */
  readonly password: string | undefined;
  /** Aborted on SIGINT / SIGTERM: long-running commands (listen, chat) stop cleanly and exit 0. */
  readonly signal: AbortSignal;
}

export function out(io: CliIo, line: string): void {
  io.stdout.write(`${line}\n`);
}

export function err(io: CliIo, line: string): void {
  io.stderr.write(`${line}\n`);
}
