import type { ErrorObject } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { CLIENT_FRAMES, type ClientFrame } from './client-frames.js';
import { messageProblem } from './message-kinds.js';
import { compile, type Checker } from './schema/compile.js';
import { codePointLength, isText, isTextDeep, utf8Length } from './text.js';
import type { FrameErrorCode } from './ws-error-codes.js';

export interface FrameLimits {
  /** Largest message content, in UTF-8 bytes. */
  readonly maxContentBytes: number;
  /** Most conversations in one `resume` frame. */
  readonly maxResumeConversations: number;
}

/**
 * How deep objects and arrays may nest in a `send.body` (the body itself is 1). JSON.parse takes any depth;
 * the checks after it recurse, so a deeper body is refused before they run.
 */
export const MAX_BODY_DEPTH = 32;

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; code: FrameErrorCode; message: string; ref?: string };

type ClientFrameType = keyof typeof CLIENT_FRAMES;
type Checkers = { [K in ClientFrameType]: Checker<(typeof CLIENT_FRAMES)[K]> };

/** Compiled on first use, not at import: the browser bundle imports this package for its types and constants. */
let checkers: Checkers | undefined;
function checkerFor<K extends ClientFrameType>(type: K): Checkers[K] {
  checkers ??= {
    auth: compile(CLIENT_FRAMES.auth),
    send: compile(CLIENT_FRAMES.send),
    resume: compile(CLIENT_FRAMES.resume),
    read: compile(CLIENT_FRAMES.read),
    typing: compile(CLIENT_FRAMES.typing),
    ping: compile(CLIENT_FRAMES.ping),
  };
  return checkers[type];
}

/**
 * Validates one client frame's text against its declaration (client-frames.ts), then the two rules that
 * depend on runtime limits: content size in UTF-8 bytes and the number of resumed conversations; then a
 * `send`'s body against its kind (message-kinds.ts). Never throws: every failure is a code and a message
 * for an `error` frame. A `send` refusal carries the clientMsgId as `ref` when it is a string (cut to 64
 * code points; omitted if it is not text). The first problem found is the one reported, in this order
 * (docs/PROTOCOL.md "Error codes"): the schema, the content size, the body.
 */
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
  const type = f['type'];
  if (typeof type !== 'string' || !Object.hasOwn(CLIENT_FRAMES, type)) {
    return { ok: false, code: 'unknown_frame', message: `Unknown frame type ${JSON.stringify(type)?.slice(0, 40) ?? 'undefined'}` };
  }
  const ref = type === 'send' ? refOf(f['clientMsgId']) : undefined;
  const refuse = (code: FrameErrorCode, message: string): ParseResult => ({ ok: false, code, message, ...(ref === undefined ? {} : { ref }) });

  const checker = checkerFor(type as ClientFrameType);
  if (!checker.check(f)) {
    const error = checker.lastError;
    if (!error) return refuse('invalid_frame', `${type} frame is not valid`);
    return refuse(...explain(type, checker.schema, f, error));
  }
  const frame = pick(f, checker.schema) as ClientFrame;
  switch (frame.type) {
    case 'send': {
      const bytes = utf8Length(frame.content);
      if (bytes > limits.maxContentBytes) return refuse('content_too_large', `Content is ${bytes} bytes; the limit is ${limits.maxContentBytes}`);
      const kind = frame.kind ?? 'text';
      // Bounded first: the checks below (and JSON.stringify) recurse, and JSON.parse does not.
      if (frame.body !== undefined && nestedDeeper(frame.body, MAX_BODY_DEPTH)) return refuse('invalid_frame', `send.body is nested deeper than ${MAX_BODY_DEPTH} levels`);
      // The text rule holds for every string a client sends, a body's keys and values too: invalid_text,
      // as for any other field, before the kind's shape is looked at.
      if (frame.body !== undefined && !isTextDeep(frame.body)) return refuse('invalid_text', 'send.body has a string that is not valid text: it contains U+0000 or an unpaired surrogate');
      const problem = messageProblem(kind, frame.content, frame.body);
      if (problem !== undefined) return refuse('invalid_frame', `send: ${problem}`);
      return { ok: true, frame: { ...frame, kind } };
    }
    case 'auth':
      if (frame.resume && Object.keys(frame.resume).length > limits.maxResumeConversations)
        return refuse('invalid_frame', `auth.resume names more than ${limits.maxResumeConversations} conversations`);
      return { ok: true, frame };
    case 'resume':
      if (Object.keys(frame.conversations).length > limits.maxResumeConversations)
        return refuse('invalid_frame', `resume.conversations names more than ${limits.maxResumeConversations} conversations`);
      return { ok: true, frame };
    case 'read':
    case 'typing':
    case 'ping':
      return { ok: true, frame };
  }
}

/** Whether objects and arrays in `value` nest deeper than `max` (`{}` is 1 deep). Iterative: any depth JSON.parse made. */
function nestedDeeper(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}


function refOf(clientMsgId: unknown): string | undefined {
  if (typeof clientMsgId !== 'string' || clientMsgId === '' || !isText(clientMsgId)) return undefined;
  return codePointLength(clientMsgId) <= 64 ? clientMsgId : Array.from(clientMsgId).slice(0, 64).join('');
}

/** The frame's declared fields only (unknown ones are allowed on the wire, and dropped here). */
function pick(f: Record<string, unknown>, schema: TSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema['properties'] as object)) if (f[key] !== undefined) out[key] = f[key];
  return out;
}

/**
 * Turns ajv's first error into a code and a message naming the field. A string that breaks the text
 * rule (U+0000, an unpaired surrogate) is `invalid_text`, whichever field it is in; anything else is
 * `invalid_frame`, with the field's description as what it must be.
 */
function explain(type: string, schema: TSchema, frame: unknown, error: ErrorObject): [FrameErrorCode, string] {
  const path = error.instancePath.split('/').slice(1).map(unescapePointer);
  const parent = resolve(schema, error.schemaPath.split('/').slice(1, -1).map(unescapePointer));
  if (error.keyword === 'required') {
    const missing = String(error.params['missingProperty']);
    const wanted = describe(resolve(parent, ['properties', missing]));
    return ['invalid_frame', `${fieldName(type, [...path, missing])} is required${wanted ? ` and must be ${wanted}` : ''}`];
  }
  const key = error.propertyName ?? (error.params['propertyName'] as unknown);
  if (typeof key === 'string') {
    const field = fieldName(type, path);
    if (!isText(key)) return ['invalid_text', `${field} has a key that is not valid text (it contains U+0000 or an unpaired surrogate)`];
    return ['invalid_frame', `${field} has the key ${JSON.stringify(Array.from(key).slice(0, 80).join(''))}; each key must be ${describe(parent) ?? 'valid'}`];
  }
  const field = fieldName(type, path);
  const data = resolve(frame, path);
  if (typeof data === 'string' && !isText(data)) {
    return ['invalid_text', `${field} is not valid text: it contains U+0000 or an unpaired surrogate`];
  }
  return ['invalid_frame', `${field} must be ${describe(parent) ?? error.message ?? 'valid'}`];
}

function describe(schema: unknown): string | undefined {
  const d = (schema as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : undefined;
}

/** `send.content`, `auth.resume["g.x"]`. */
function fieldName(type: string, path: readonly string[]): string {
  return path.reduce((name, p) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `${name}.${p}` : `${name}[${JSON.stringify(Array.from(p).slice(0, 80).join(''))}]`), type);
}

function resolve(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const p of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, p)) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
