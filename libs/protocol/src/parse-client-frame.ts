import type { ClientFrame } from './frames.js';
import { CONVERSATION_ID } from './ids.js';

export interface FrameLimits {
  /** Largest message content, in UTF-8 bytes. */
  readonly maxContentBytes: number;
  /** Most conversations in one `resume` frame. */
  readonly maxResumeConversations: number;
}

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: 'invalid_json' | 'unknown_frame' | 'invalid_frame' | 'content_too_large'; message: string; ref?: string };

const CLIENT_MSG_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const KIND = /^[a-z_]{1,16}$/;
const utf8 = new TextEncoder();

/** Validates one client frame's text. Never throws: every failure is a code and a message for an `error` frame. */
export function parseClientFrame(text: string, limits: FrameLimits): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'Frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_frame', message: 'Frame must be a JSON object with a "type"' };
  }
  const f = value as Record<string, unknown>;
  const bad = (message: string, ref?: string): ParseResult => ({ ok: false, code: 'invalid_frame', message, ...(ref ? { ref } : {}) });
  switch (f['type']) {
    case 'auth': {
      if (typeof f['token'] !== 'string' || f['token'].length === 0 || f['token'].length > 4096) return bad('auth.token must be a non-empty string');
      if (f['resume'] === undefined) return { ok: true, frame: { type: 'auth', token: f['token'] } };
      const resume = parsePositions(f['resume'], 'auth.resume', limits);
      if (typeof resume === 'string') return bad(resume);
      return { ok: true, frame: { type: 'auth', token: f['token'], resume } };
    }
    case 'send': {
      const ref = typeof f['clientMsgId'] === 'string' ? f['clientMsgId'].slice(0, 64) : undefined;
      if (typeof f['clientMsgId'] !== 'string' || !CLIENT_MSG_ID.test(f['clientMsgId'])) {
        return bad('send.clientMsgId must be 1-64 characters of A-Z a-z 0-9 _ . : -', ref);
      }
      if (typeof f['conversation'] !== 'string' || !CONVERSATION_ID.test(f['conversation'])) return bad('send.conversation is not a conversation id', ref);
      if (typeof f['content'] !== 'string' || f['content'].length === 0) return bad('send.content must be a non-empty string', ref);
      if (f['kind'] !== undefined && (typeof f['kind'] !== 'string' || !KIND.test(f['kind']))) return bad('send.kind must be a short lowercase word', ref);
      const bytes = utf8.encode(f['content']).length;
      if (bytes > limits.maxContentBytes) {
        return { ok: false, code: 'content_too_large', message: `Content is ${bytes} bytes; the limit is ${limits.maxContentBytes}`, ref: f['clientMsgId'] };
      }
      return {
        ok: true,
        frame: {
          type: 'send',
          conversation: f['conversation'],
          clientMsgId: f['clientMsgId'],
          content: f['content'],
          kind: (f['kind'] as string | undefined) ?? 'text',
        },
      };
    }
    case 'resume': {
      const conversations = parsePositions(f['conversations'], 'resume.conversations', limits);
      if (typeof conversations === 'string') return bad(conversations);
      return { ok: true, frame: { type: 'resume', conversations } };
    }
    case 'read':
      if (typeof f['conversation'] !== 'string' || !CONVERSATION_ID.test(f['conversation'])) return bad('read.conversation is not a conversation id');
      if (!isSeq(f['seq'])) return bad('read.seq must be an integer >= 0');
      return { ok: true, frame: { type: 'read', conversation: f['conversation'], seq: f['seq'] } };
    case 'ping':
      if (f['id'] !== undefined && (typeof f['id'] !== 'string' || f['id'].length > 64)) return bad('ping.id must be a string of at most 64 characters');
      return { ok: true, frame: f['id'] === undefined ? { type: 'ping' } : { type: 'ping', id: f['id'] } };
    default:
      return { ok: false, code: 'unknown_frame', message: `Unknown frame type ${JSON.stringify(f['type'])?.slice(0, 40) ?? 'undefined'}` };
  }
}

/** Parses `{ conversationId: lastSeq }`; returns an error message on failure. */
function parsePositions(value: unknown, field: string, limits: FrameLimits): Record<string, number> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${field} must be an object of conversation id -> last seq`;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > limits.maxResumeConversations) return `${field} names more than ${limits.maxResumeConversations} conversations`;
  const out: Record<string, number> = {};
  for (const [id, seq] of entries) {
    if (!CONVERSATION_ID.test(id)) return `${field}: "${id.slice(0, 80)}" is not a conversation id`;
    if (!isSeq(seq)) return `${field}: seq for ${id} must be an integer >= 0`;
    out[id] = seq;
  }
  return out;
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
