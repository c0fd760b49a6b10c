import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ParleyError, type EventLog, type LogProducer } from '@parley/core';
import { commandCodec, type Actor, type CommandPayload } from '@parley/schemas';
import { Topics } from '@parley/domain';
import type { CommandOutcome, OutcomeRepository } from '@parley/store';

export interface CommandBusOptions {
  readonly log: EventLog;
  readonly outcomes: OutcomeRepository;
  /** How long an HTTP request waits for its command to be decided and projected. */
  readonly timeoutMs: number;
  /** Something that fires when the projector applied a batch, to check waiters early (optional). */
  readonly onProjected?: (listener: () => void) => void;
}

/**
 * How the HTTP API changes state: it writes a command to the log and waits until the projector has
 * recorded the command's outcome, so the response reflects what ingest decided and a following read
 * sees it.
 */
export class CommandBus {
  private readonly producer: LogProducer;
  private wake: Array<() => void> = [];

  constructor(private readonly options: CommandBusOptions) {
    this.producer = options.log.producer();
    options.onProjected?.(() => {
      const wake = this.wake;
      this.wake = [];
      for (const w of wake) w();
    });
  }

  async execute(stream: string, actor: Actor | null, payload: CommandPayload): Promise<CommandOutcome> {
    const commandId = randomUUID();
    const value = commandCodec.encode({ commandId, stream, issuedAt: Date.now(), actor, origin: null, payload });
    await this.producer.send(Topics.commands, [{ key: stream, value }]);
    const outcome = await this.until(() => this.options.outcomes.get(commandId));
    if (outcome) return outcome;
    throw new ParleyError('timeout', 'The command was accepted but not processed in time; retry the request', { details: { commandId } });
  }

  /**
   * Waits for something the projector will write (a command's outcome, or what a workflow's later command
   * creates): `read` is tried again each time the projector applies a batch, and on a backoff from 5 ms to
   * 100 ms. Resolves with its first defined value, or undefined after the command timeout.
   */
  async until<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
    const deadline = Date.now() + this.options.timeoutMs;
    let delay = 5;
    while (Date.now() < deadline) {
      const value = await read();
      if (value !== undefined) return value;
      await Promise.race([sleep(delay), new Promise<void>((resolve) => this.wake.push(resolve))]);
      delay = Math.min(delay * 2, 100);
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.producer.close();
    for (const w of this.wake) w();
  }
}
