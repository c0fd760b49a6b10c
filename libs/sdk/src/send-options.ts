import type { MessageBody, MessageKind } from '@parley/protocol';

/**
 * What `ParleyClient.send` takes besides the conversation and the content. `body` is typed by `kind`
 * (docs/PROTOCOL.md "Message kinds"): `send(id, '[Location] Berlin', { kind: 'location', body: { latitude:
 * 52.52, longitude: 13.405 } })`. A body that does not fit its kind is refused with `invalid_frame`.
 */
export interface SendOptions<K extends MessageKind = MessageKind> {
  /** Reuse to send the same message again (the server dedupes); default a fresh random id. */
  readonly clientMsgId?: string;
  /** Default `text`. */
  readonly kind?: K;
  /** The kind's declared shape: for `text`, optional formatting spans over `content`. */
  readonly body?: MessageBody<K>;
  /** The seq of an earlier message of the same conversation this one quotes (`bad_request` past the last). */
  readonly replyTo?: number;
  /** Profile ids of members, or `MENTION_ALL` (owners and admins of groups and rooms); at most MAX_MENTIONS. */
  readonly mentions?: readonly string[];
}
