/** Exit codes: scripts tell a usage mistake (fix the command line) from a failure (fix the situation). */
export const ExitCodes = { ok: 0, failed: 1, usage: 2 } as const;

export type CliErrorCode = 'usage' | 'failed';

/** A failure the user can act on: the message says what went wrong and what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return this.code === 'usage' ? ExitCodes.usage : ExitCodes.failed;
  }
}

export const usageError = (message: string): CliError => new CliError('usage', `${message}\nRun \`parley-cli help\` for usage.`);
