import { setTimeout as sleep } from 'node:timers/promises';
import { ParleyError, type BatchHandler, type ConsumerConfig, type LogConsumer } from '@parley/core';
import type { ConsumerGroup } from './consumer-group.js';
import type { EmbeddedLog } from './embedded-log.js';
import { recordConsumerLag } from '@parley/telemetry';

const IDLE_WAIT_MS = 250;
const MAX_BACKOFF_MS = 5000;

/** One member of a consumer group on the embedded log. */
export class EmbeddedConsumer implements LogConsumer {
  private loop: Promise<void> | undefined;
  private closing = false;
  private readonly positions = new Map<string, number>();
  private generationSeen = -1;
  /** Partitions held in the generation last seen, to tell which ones are new. */
  private held = new Set<string>();
  private readonly backoff = new Map<string, number>();

  constructor(
    private readonly log: EmbeddedLog,
    private readonly group: ConsumerGroup<EmbeddedConsumer>,
    private readonly config: ConsumerConfig,
  ) {}

  async start(handler: BatchHandler): Promise<void> {
    if (this.loop) throw new ParleyError('conflict', 'Consumer already started');
    this.group.join(this, this.config.topics);
    this.log.notify();
    this.loop = this.run(handler);
  }

  assignment(): ReadonlyArray<{ topic: string; partition: number }> {
    return this.group.assignmentFor(this);
  }

  private async run(handler: BatchHandler): Promise<void> {
    while (!this.closing && !this.log.isClosed) {
      if (this.group.generation !== this.generationSeen) {
        this.generationSeen = this.group.generation;
        this.positions.clear();
        const assigned = this.group.assignmentFor(this);
        const fresh = assigned.filter((a) => !this.held.has(`${a.topic}\u0000${a.partition}`));
        this.held = new Set(assigned.map((a) => `${a.topic}\u0000${a.partition}`));
        if (fresh.length > 0 && this.config.onAssign) {
          try {
            await this.config.onAssign(fresh);
          } catch (error) {
            this.log.logger.error('onAssign failed; retrying', { group: this.config.groupId, error });
            for (const a of fresh) this.held.delete(`${a.topic}\u0000${a.partition}`);
            this.generationSeen = -1;
            await sleep(250);
            continue;
          }
        }
      }
      let worked = false;
      const concurrency = Math.max(1, this.config.partitionsConsumedConcurrently ?? 1);
      const running: Promise<boolean>[] = [];
      for (const { topic, partition } of this.group.assignmentFor(this)) {
        if (this.closing || this.group.generation !== this.generationSeen) break;
        const key = `${topic}\u0000${partition}`;
        if (this.group.busy.has(key) || !this.hasRecords(topic, partition, key)) continue;
        this.group.busy.add(key);
        running.push(
          this.poll(topic, partition, key, handler).finally(() => {
            this.group.busy.delete(key);
          }),
        );
        if (running.length >= concurrency)
          worked = (await Promise.all(running.splice(0))).includes(true) || worked;
      }
      worked = (await Promise.all(running)).includes(true) || worked;
      if (!worked && !this.closing) await this.log.waitForChange(IDLE_WAIT_MS);
    }
  }

  /**
   * Whether a partition may have records past this member's position: false only when the position is
   * known and the partition ends there (a cheap test before a poll, since every append wakes every consumer).
   */
  private hasRecords(topic: string, partition: number, key: string): boolean {
    const known = this.positions.get(key);
    return known === undefined || this.log.visibleEnd(topic, partition) > known;
  }

  private async position(topic: string, partition: number, key: string): Promise<number> {
    const known = this.positions.get(key);
    if (known !== undefined) return known;
    const override = this.config.startOffset ? await this.config.startOffset(topic, partition) : undefined;
    const position =
      override ??
      this.log.committedOffset(this.config.groupId, topic, partition) ??
      (this.config.startFrom === 'latest' ? await this.log.endOffset(topic, partition) : 0);
    this.positions.set(key, position);
    return position;
  }

  private async poll(topic: string, partition: number, key: string, handler: BatchHandler): Promise<boolean> {
    const from = await this.position(topic, partition, key);
    const records = this.log.readSync(topic, partition, from, this.config.maxBatchRecords ?? 500);
    recordConsumerLag(
      this.config.groupId,
      topic,
      partition,
      (await this.log.endOffset(topic, partition)) - from - records.length,
    );
    if (records.length === 0) return false;
    const next = records[records.length - 1]!.offset + 1;
    const commit = { group: this.config.groupId, topic, partition, offset: next };
    try {
      const result = await handler({ topic, partition, records, nextOffset: next });
      if (result?.produce && result.produce.length > 0) {
        if (!this.config.transactionalId) {
          throw new ParleyError(
            'config',
            `Consumer group ${this.config.groupId} returned records to produce but has no transactionalId`,
          );
        }
        await this.log.append(result.produce, [commit]);
      } else if (this.config.transactionalId) {
        await this.log.append([], [commit]);
      } else {
        this.log.commitAsync(commit);
      }
      this.positions.set(key, next);
      this.backoff.delete(key);
    } catch (error) {
      const wait = Math.min(MAX_BACKOFF_MS, (this.backoff.get(key) ?? 50) * 2);
      this.backoff.set(key, wait);
      this.log.logger.error('consumer handler failed; the batch will be redelivered', {
        group: this.config.groupId,
        topic,
        partition,
        fromOffset: from,
        retryInMs: wait,
        error,
      });
      await sleep(wait);
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.closing) return this.loop;
    this.closing = true;
    this.log.notify();
    await this.loop;
    this.group.leave(this);
    this.log.notify();
    this.log.forget(this);
  }
}
