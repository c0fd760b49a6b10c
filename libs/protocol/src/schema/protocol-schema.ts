import type { TSchema } from '@sinclair/typebox';
import { AuthFrame, PingFrame, ReadFrame, ResumeFrame, SendFrame } from '../client-frames.js';
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
  ProfileFrame,
  ReadyFrame,
  RemarkFrame,
  ResumedFrame,
  RoomPresenceFrame,
  SettingsFrame,
} from '../server-frames.js';
import { SystemEntry } from '../system-entry.js';

/** Where the generated document lives, from the repository root, and the command that writes it. */
export const PROTOCOL_SCHEMA_PATH = 'docs/protocol.schema.json';
export const PROTOCOL_SCHEMA_COMMAND = 'cd libs/protocol && npm run docs';

const client: Record<string, TSchema> = { AuthFrame, SendFrame, ResumeFrame, ReadFrame, PingFrame };
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
  // TCP only (the WebSocket has these in its own protocol: close frames and pings).
  CloseFrame,
  HeartbeatFrame,
};

const refs = (names: Record<string, TSchema>) => Object.keys(names).map((name) => ({ $ref: `#/definitions/${name}` }));

/**
 * The published JSON Schema (draft-07) of every client and server frame, and of the system entry a
 * `message` of kind "system" carries as its content, built from the TypeBox declarations. Standard keywords only, so any validator can load it; the limits that are runtime
 * configuration (content bytes, resumed conversations) are stated in the descriptions.
 */
export function protocolSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Parley WebSocket frames (v1)',
    description:
      `Generated from libs/protocol/src/client-frames.ts, server-frames.ts and system-entry.ts by \`${PROTOCOL_SCHEMA_COMMAND}\`; do not edit. ` +
      'docs/PROTOCOL.md explains the frames. Lengths are in Unicode code points; patterns are ECMA-262 with the u flag.',
    definitions: {
      ClientFrame: { description: 'A frame a client sends.', oneOf: refs(client) },
      ServerFrame: { description: 'A frame the server sends.', oneOf: refs(server) },
      ...client,
      ...server,
      // Not a frame: the JSON text in the `content` of a `message` of kind "system".
      SystemEntry,
    },
    anyOf: [{ $ref: '#/definitions/ClientFrame' }, { $ref: '#/definitions/ServerFrame' }],
  };
}

/** The document as committed: two-space JSON and a final newline. */
export function renderProtocolSchema(): string {
  return `${JSON.stringify(protocolSchema(), null, 2)}\n`;
}
