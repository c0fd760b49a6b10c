/**
 * A consumer group's membership inside one process: every (topic, partition) the group subscribes to goes
 * to exactly one member, round-robin in join order, recomputed whenever a member joins or leaves (each
 * change is a new generation). `busy` keeps a partition from being handled by its old and new owner at once
 * during a rebalance: the new owner waits until the old one's batch is committed.
 */
export class ConsumerGroup<M = unknown> {
  generation = 0;
  readonly busy = new Set<string>();
  private members: Array<{ member: M; topics: readonly string[] }> = [];
  private assignments = new Map<M, Array<{ topic: string; partition: number }>>();

  constructor(
    readonly id: string,
    private readonly partitionCount: (topic: string) => number,
  ) {}

  join(member: M, topics: readonly string[]): void {
    this.members.push({ member, topics });
    this.rebalance();
  }

  leave(member: M): void {
    this.members = this.members.filter((m) => m.member !== member);
    this.rebalance();
  }

  assignmentFor(member: M): ReadonlyArray<{ topic: string; partition: number }> {
    return this.assignments.get(member) ?? [];
  }

  private rebalance(): void {
    this.generation++;
    this.assignments = new Map(this.members.map((m) => [m.member, []]));
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subscribers = this.members.filter((m) => m.topics.includes(topic));
      const count = this.partitionCount(topic);
      for (let partition = 0; partition < count; partition++) {
        const owner = subscribers[partition % subscribers.length];
        if (owner) this.assignments.get(owner.member)!.push({ topic, partition });
      }
    }
  }
}
