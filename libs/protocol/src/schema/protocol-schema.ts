import type { TSchema } from '@sinclair/typebox';
import { AuthFrame, PingFrame, ReadFrame, ResumeFrame, SendFrame, TypingClientFrame } from '../client-frames.js';
import {
  AckFrame,
  BlockFrame,
  CloseFrame,
  ConversationFrame,
  ErrorFrame,
  FriendFrame,
  HeartbeatFrame,
  InvitationFrame,
  JoinRequestFrame,
  MessageFrame,
  PongFrame,
  PresenceFrame,
  ProfileFrame,
  ReceiptsFrame,
  TypingFrame,
  ReadyFrame,
  RemarkFrame,
  ResumedFrame,
  RoomPresenceFrame,
  SettingsFrame,
} from '../server-frames.js';
import { MESSAGE_BODIES, MESSAGE_KINDS, type MessageKind } from '../message-kinds.js';
import { AttachmentStoredBody } from '../attachments.js';
import { SystemEntry } from '../system-entry.js';

/** Where the generated document lives, from the repository root, and the command that writes it. */
export const PROTOCOL_SCHEMA_PATH = 'docs/protocol.schema.json';
export const PROTOCOL_SCHEMA_COMMAND = 'cd libs/protocol && npm run docs';

const client: Record<string, TSchema> = { AuthFrame, SendFrame, ResumeFrame, ReadFrame, TypingClientFrame, PingFrame };
const server: Record<string, TSchema> = {
  ReadyFrame,
  AckFrame,
  MessageFrame,
  ConversationFrame,
  RoomPresenceFrame,
  ResumedFrame,
  ErrorFrame,
  PongFrame,
  FriendFrame,
  BlockFrame,
  SettingsFrame,
  RemarkFrame,
  ProfileFrame,
  InvitationFrame,
  JoinRequestFrame,
  ReceiptsFrame,
  TypingFrame,
  PresenceFrame,
  // TCP only (the WebSocket has these in its own protocol: close frames and pings).
  CloseFrame,
  HeartbeatFrame,
};

/** The definition name of a kind's body: `TextBody`, `LinkBody`, … */
export function bodyDefinition(kind: MessageKind): string {
  return `${kind[0]?.toUpperCase() ?? ''}${kind.slice(1)}Body`;
}

/** Each kind's body, titled for docs/PROTOCOL.md's section of it ("### `text body`"). */
const bodies: Record<string, TSchema> = Object.fromEntries(MESSAGE_KINDS.map((kind) => [bodyDefinition(kind), { ...MESSAGE_BODIES[kind], title: `${kind} body` }]));

const refs = (names: Record<string, TSchema>) => Object.keys(names).map((name) => ({ $ref: `#/definitions/${name}` }));

/**
 * The published JSON Schema (draft-07) of every client and server frame, of the system entry a `message`
 * of kind "system" carries as its content, and of each message kind's body, built from the TypeBox
 * declarations. Standard keywords only, so any validator can load it; the limits that are runtime
 * configuration (content bytes, resumed conversations) are stated in the descriptions.
 */
export function protocolSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Parley WebSocket frames (v1)',
    description:
      `Generated from libs/protocol/src/client-frames.ts, server-frames.ts, system-entry.ts and message-kinds.ts by \`${PROTOCOL_SCHEMA_COMMAND}\`; do not edit. ` +
      'docs/PROTOCOL.md explains the frames. Lengths are in Unicode code points; patterns are ECMA-262 with the u flag.',
    definitions: {
      ClientFrame: { description: 'A frame a client sends.', oneOf: refs(client) },
      ServerFrame: { description: 'A frame the server sends.', oneOf: refs(server) },
      ...client,
      ...server,
      // Not a frame: the JSON text in the `content` of a `message` of kind "system".
      SystemEntry,
      // Not frames: the `body` of a `send` or `message` of each kind (checked against `kind` by the server,
      // which JSON Schema here does not express: a client picks the definition by `kind`).
      ...bodies,
      // The body of a received (`message`) or stored message of an attachment kind: the gateway swaps the
      // sent ref for the file's description.
      ReceivedAttachmentBody: { ...AttachmentStoredBody, title: 'received attachment body' },
    },
    anyOf: [{ $ref: '#/definitions/ClientFrame' }, { $ref: '#/definitions/ServerFrame' }],
  };
}

/** The document as committed: two-space JSON and a final newline. */
export function renderProtocolSchema(): string {
  return `${JSON.stringify(protocolSchema(), null, 2)}\n`;
}
