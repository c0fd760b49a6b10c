import { ConsumerHealth, type SnapshotStore, type DeliverToGateway, type Delivery, type EventLog, type LogBatch, type LogConsumer, type LogRecord, type Logger, type Presence } from '@parley/core';
import { eventCodec } from '@parley/schemas';
import { PartitionStates, StatePageLost, Topics, type ConversationState, type StatePagingSettings } from '@parley/domain';
import type { RoomPresenceFrame } from '@parley/protocol';
import { priorFacts, routeAll } from './route-event.js';
import { inSpan, injectTrace, reportQuarantined } from '@parley/telemetry';

export interface FanoutOptions {
  readonly log: EventLog;
  readonly presence: Presence;
  readonly deliver: DeliverToGateway;
  readonly logger: Logger;
  /** Room presence updates for one room are coalesced over this window. */
  readonly roomPresenceDelayMs?: number;
  /** How often the lag of each partition held is measured for readiness (default 5 s). */
  readonly lagSampleMs?: number;
  /**
   * Where the routing state of each partition is snapshotted (after a batch once `everyEvents` were folded
   * since the last, or `intervalMs` passed with at least one; and on close). Without it a partition taken
   * on is folded from offset 0.
   */
  readonly snapshots?: { readonly store: SnapshotStore; readonly everyEvents: number; readonly intervalMs: number };
  /** Where and when idle conversations' routing state leaves memory (PARLEY_STATE_*); without it all stays in memory. */
  readonly paging?: StatePagingSettings;
}

const GROUP = 'parley-fanout';

/**
 * Fanout: consumes events, resolves recipients from the partition's stream state, finds their gateways
 * through presence, and hands each gateway one batch with only its users. Offsets are committed only
 * after every hand-off resolved (at-least-once; gateways drop what a connection already has by seq).
 * A gateway that cannot be reached is skipped: its clients reconnect and resume from history.
 *
 * No event stops it for good (docs/ARCHITECTURE.md "When a record cannot be applied"): decoding, folding
 * and routing one event are pure, so an event any of them throws on will throw again; it is quarantined
 * (an error line, `parley_quarantined_total`, and `health`'s in-memory list: fanout changes nothing
 * durable, so there is nothing to roll back and the event stays in the log for anyone to inspect) and the
 * batch goes on. What does I/O (presence, reading the log to catch up) fails transiently: the batch is
 * thrown back to the log, redelivered with backoff, and `health` says how long it has been retrying.
 */
export class Fanout {
  private consumer: LogConsumer | undefined;
  private readonly states: PartitionStates;
  private readonly pendingRooms = new Map<string, ConversationState>();
  private roomTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private stopLag: (() => void) | undefined;
  /** When each partition was last snapshotted (or first folded). */
  private readonly snapshotAt = new Map<number, number>();
  readonly health = new ConsumerHealth(GROUP);

  constructor(private readonly options: FanoutOptions) {
    // Routing reads neither the dedupe window nor the recent messages (ingest's, for recall and edit): keep none.
    const snapshots = options.snapshots && {
      store: options.snapshots.store,
      owner: 'fanout',
      onProblem: (partition: number, problem: string) => {
        options.logger.warn(problem, { partition });
        this.health.notice(Topics.events, partition, problem);
      },
    };
    this.states = new PartitionStates(
      options.log,
      { dedupeWindow: 0, recentMessages: 0 },
      (record, error) => this.quarantine(record, error),
      snapshots,
      options.paging && { ...options.paging, onProblem: (problem: string) => options.logger.warn(problem) },
    );
  }

  async start(): Promise<void> {
    this.unsubscribe = this.options.presence.onChange(({ userId }) => this.onPresenceChange(userId));
    const consumer = (this.consumer = this.options.log.consumer({
      groupId: GROUP,
      topics: [Topics.events],
      maxBatchRecords: 1000,
      // A partition that was elsewhere may have moved on: rebuild its state from the log before its first batch.
      onAssign: async (partitions) => {
        for (const { partition } of partitions) this.states.reset(partition);
      },
    }));
    await consumer.start((batch) => this.handle(batch));
    this.stopLag = this.health.watchLag(this.options.log, () => consumer.assignment(), (error) => this.options.logger.warn('measuring fanout lag failed', { error }), this.options.lagSampleMs);
  }

  /** @internal exported for tests */
  async handle(batch: LogBatch): Promise<void> {
    const { topic, partition, records } = batch;
    if (records.length === 0) return;
    this.health.started(topic, partition, records[0]!.offset);
    try {
      await this.fanOut(batch);
    } catch (error) {
      this.health.failed(topic, partition, records[0]!.offset, error);
      throw error;
    }
    this.health.succeeded(topic, partition, batch.nextOffset);
    await this.snapshotIfDue(partition);
  }

  /** After a batch the state covers exactly the events folded so far: snapshot it when due (a failure is only logged). */
  private async snapshotIfDue(partition: number): Promise<void> {
    const policy = this.options.snapshots;
    const since = this.states.sinceSnapshot(partition);
    if (!policy || since === 0) return;
    const now = Date.now();
    const at = this.snapshotAt.get(partition);
    if (at === undefined) this.snapshotAt.set(partition, now);
    if (since < policy.everyEvents && now - (at ?? now) < policy.intervalMs) return;
    this.snapshotAt.set(partition, now);
    await this.states.snapshot(partition);
  }

  private async fanOut(batch: LogBatch): Promise<void> {
    const { partition, records } = batch;
    const first = records[0]!.offset;
    // While this member holds the partition, batches follow each other: offsets skipped between them are
    // transaction markers, and a redelivered batch folds again harmlessly (folding is idempotent in order).
    // Only a partition without state (just assigned) is rebuilt from the log up to the batch.
    // (Not reported as `recovering`: it happens on a batch, after the app said it was ready, and takes as
    // long as loading a snapshot; a long one shows as a batch in flight.)
    // Heartbeating after each step of a long rebuild, so that Kafka does not take the partition meanwhile.
    const state = this.states.get(partition) ?? (await this.states.catchUp(partition, first, batch.heartbeat));
    const deliveries: Delivery[] = [];
    for (const record of records) {
      let event;
      try {
        event = eventCodec.decode(record.value);
        const prior = priorFacts(event, state);
        state.apply(event);
        const routed = event;
        await inSpan('fanout.route', record.headers, () => {
          const issuedAt = Number(record.headers['parley-issued-at']);
          for (const delivery of routeAll(routed, state, prior)) {
            deliveries.push({ ...delivery, trace: injectTrace(), ...(issuedAt > 0 ? { issuedAt } : {}) });
          }
        });
      } catch (error) {
        // A lost page is this process's trouble, not the event's: fail the batch; the state is rebuilt.
        if (error instanceof StatePageLost) throw error;
        this.quarantine(record, error);
        continue;
      } finally {
        this.states.advance(partition, record.offset + 1, record.value);
      }
      const conversation = state.conversations.get(event.stream);
      if (conversation?.kind === 'room' && ['ConversationCreated', 'MembersJoined', 'MemberLeft', 'MemberRemoved'].includes(event.payload.type)) {
        this.scheduleRoomPresence(conversation);
      }
    }
    await this.dispatch(deliveries, batch);
  }

  private quarantine(record: LogRecord, error: unknown): void {
    const q = { consumer: GROUP, topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, error: error instanceof Error ? error.message : String(error), at: Date.now() };
    reportQuarantined(q, this.health, this.options.logger, 'fanout quarantined an event it can never deliver; the partition goes on');
  }

  private async dispatch(deliveries: readonly Delivery[], origin: { topic: string; partition: number }): Promise<void> {
    if (deliveries.length === 0) return;
    const users = new Set<string>();
    for (const d of deliveries) for (const u of d.userIds) users.add(u);
    const located = await this.options.presence.locate([...users]);
    const perGateway = new Map<string, Delivery[]>();
    const add = (gatewayId: string, d: Delivery): void => {
      let list = perGateway.get(gatewayId);
      if (!list) perGateway.set(gatewayId, (list = []));
      list.push(d);
    };
    for (const d of deliveries) {
      const byGateway = new Map<string, string[]>();
      for (const userId of d.userIds) {
        for (const gatewayId of located.get(userId) ?? []) {
          let list = byGateway.get(gatewayId);
          if (!list) byGateway.set(gatewayId, (list = []));
          list.push(userId);
        }
      }
      for (const [gatewayId, userIds] of byGateway) add(gatewayId, { ...d, userIds });
    }
    // The origin connection's gateway gets its ack or error even when the event has no other recipient there.
    for (const d of deliveries) {
      if (!d.origin) continue;
      const gatewayId = this.originGateway(d);
      if (gatewayId && !(perGateway.get(gatewayId) ?? []).some((x) => x.origin === d.origin)) add(gatewayId, { ...d, userIds: [] });
    }
    await Promise.all(
      [...perGateway].map(([gatewayId, batch]) =>
        this.options.deliver(gatewayId, batch).catch((error: unknown) => {
          this.options.logger.warn('gateway hand-off failed; its clients will resume from history', { gatewayId, ...origin, error });
        }),
      ),
    );
  }

  private originGateway(d: Delivery): string | undefined {
    const id = d.origin?.connectionId;
    // Connection ids are `${gatewayId}/${n}`: the gateway that made them (see apps/gateway).
    return id?.slice(0, id.lastIndexOf('/')) || undefined;
  }

  private onPresenceChange(userId: string): void {
    for (const partition of this.states.partitions()) {
      const state = this.states.get(partition);
      for (const roomId of state?.roomsByUser.get(userId) ?? []) {
        const room = state?.conversations.get(roomId);
        if (room) this.scheduleRoomPresence(room);
      }
    }
  }

  private scheduleRoomPresence(room: ConversationState): void {
    if (this.closed) return;
    this.pendingRooms.set(room.id, room);
    this.roomTimer ??= setTimeout(() => {
      this.roomTimer = undefined;
      void this.flushRoomPresence().catch((error: unknown) => this.options.logger.warn('room presence update failed', { error }));
    }, this.options.roomPresenceDelayMs ?? 100);
  }

  private async flushRoomPresence(): Promise<void> {
    const rooms = [...this.pendingRooms.values()];
    this.pendingRooms.clear();
    const deliveries: Delivery[] = [];
    for (const room of rooms) {
      const members = [...room.members.keys()];
      const located = await this.options.presence.locate(members);
      const online = members.filter((m) => located.has(m));
      const frame: RoomPresenceFrame = {
        type: 'room.presence',
        conversation: room.id,
        online: online.length,
        members: members.length,
        onlineMembers: online.slice(0, 100).map((id) => ({ id, username: room.members.get(id) ?? id })),
      };
      deliveries.push({ frame, userIds: online });
    }
    await this.dispatch(deliveries, { topic: 'room-presence', partition: -1 });
  }

  /** Stops after the batch in flight is handed off and committed. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.roomTimer) clearTimeout(this.roomTimer);
    this.stopLag?.();
    await this.consumer?.close();
    for (const partition of this.states.partitions()) await this.states.snapshot(partition);
    this.states.partitions().forEach((p) => this.states.reset(p));
  }
}
