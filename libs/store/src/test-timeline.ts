import type { Actor, EventPayload, ParleyEvent } from '@parley/schemas';

/**
 * For the store's tests: a conversation's events as the decider writes them. Each MessageSent (message or
 * system entry) takes the next seq, anything else the seq of the entry before it; `ws` gives an event an
 * origin connection (the projector's batched path for messages), otherwise none (HTTP: one by one).
 */
export function timelineOf(stream: string) {
  let seq = 0;
  let n = 0;
  const events: ParleyEvent[] = [];
  const push = (payload: EventPayload, actor: Actor, ws: boolean): ParleyEvent => {
    if (payload.type === 'MessageSent') seq += 1;
    n += 1;
    const e: ParleyEvent = {
      eventId: `${stream}-e${n}`,
      stream,
      seq,
      ts: 10_000 + n,
      commandId: `${stream}-c${n}`,
      actor,
      origin: ws ? { gatewayId: 'g', connectionId: 'g/1' } : null,
      payload,
    };
    events.push(e);
    return e;
  };
  /** The seq the next message will take. */
  const next = (): number => seq + 1;
  return { events, push, next };
}
