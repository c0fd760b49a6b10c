import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FreeText } from './fields.js';
import { compile, type Checker } from './schema/compile.js';
import { AttachmentSendBody, AttachmentStoredBody, ATTACHMENT_KINDS, isAttachmentKind } from './attachments.js';
import { codePointLength, isTextDeep, utf8Length } from './text.js';

/**
 * The kinds of message a client may send, each with the declared shape of its `body` (docs/PROTOCOL.md
 * "Message kinds"). `content` is always the message's plain text: the text itself for `text`, otherwise
 * what a client that does not know the kind shows (a caption, "[Location] Berlin"). `system` entries are
 * the server's own (system-entry.ts) and cannot be sent. The attachment kinds (image, voice, video, file)
 * are sent with the ref of a completed upload and received with the file's description (attachments.ts).
 */
export const MESSAGE_KINDS = ['text', ...ATTACHMENT_KINDS, 'link', 'sticker', 'contact', 'news', 'location', 'custom'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The largest `body`, as JSON text in UTF-8 bytes. */
export const MAX_BODY_BYTES = 16_384;
/** Most mentions in one message. */
export const MAX_MENTIONS = 50;
/** A mention of everyone in a group or room (its owner and admins only). */
export const MENTION_ALL = 'all';

const HttpUrl = Type.String({ pattern: '^https?://[^\\s]{1,2040}$', maxLength: 2048, description: 'an http or https URL of at most 2048 characters, without spaces' });
const ProfileId = Type.String({ pattern: '^u[A-Za-z0-9_-]{1,64}$', description: 'a profile id' });

const Span = Type.Object(
  {
    start: Type.Integer({ minimum: 0, description: 'the first code point of `content` it covers' }),
    end: Type.Integer({ minimum: 1, description: 'the code point after the last it covers (> start, <= the length of `content`)' }),
    style: Type.Union([Type.Literal('bold'), Type.Literal('italic'), Type.Literal('strike'), Type.Literal('code'), Type.Literal('link'), Type.Literal('mention')], {
      description: 'bold, italic, strike, code, link (with href) or mention (with userId)',
    }),
    href: Type.Optional(HttpUrl),
    userId: Type.Optional(ProfileId),
  },
  { additionalProperties: false },
);

/** The declared shape of each kind's `body`; a body may not carry fields its kind does not declare. */
export const MESSAGE_BODIES = {
  text: Type.Object({ spans: Type.Optional(Type.Array(Span, { maxItems: 100, description: 'formatting of `content`, at most 100 spans' })) }, { additionalProperties: false, description: 'text: `content` is the text; optional formatting spans' }),
  link: Type.Object(
    {
      url: HttpUrl,
      title: Type.Optional(FreeText({ maxLength: 300, description: 'at most 300 characters' })),
      description: Type.Optional(FreeText({ maxLength: 1000, description: 'at most 1000 characters' })),
      siteName: Type.Optional(FreeText({ maxLength: 100, description: 'at most 100 characters' })),
      imageUrl: Type.Optional(HttpUrl),
    },
    { additionalProperties: false, description: 'link: a URL with the preview the client supplies (the server fetches nothing)' },
  ),
  sticker: Type.Object(
    {
      pack: Type.String({ pattern: '^[a-z0-9_-]{1,64}$', description: '1-64 of a-z 0-9 _ -' }),
      sticker: Type.String({ pattern: '^[a-z0-9_-]{1,64}$', description: '1-64 of a-z 0-9 _ -' }),
      emoji: Type.Optional(FreeText({ minLength: 1, maxLength: 16, description: 'the emoji it stands for, at most 16 characters' })),
    },
    { additionalProperties: false, description: 'sticker: a sticker of a pack the clients know' },
  ),
  contact: Type.Object({ profile: ProfileId }, { additionalProperties: false, description: 'contact: a profile card (clients look the profile up)' }),
  news: Type.Object(
    {
      title: FreeText({ minLength: 1, maxLength: 300, description: '1-300 characters' }),
      summary: FreeText({ maxLength: 2000, description: 'at most 2000 characters' }),
      url: HttpUrl,
      imageUrl: Type.Optional(HttpUrl),
    },
    { additionalProperties: false, description: 'news: a card with a title, a summary, a link and an image' },
  ),
  location: Type.Object(
    {
      latitude: Type.Number({ minimum: -90, maximum: 90 }),
      longitude: Type.Number({ minimum: -180, maximum: 180 }),
      name: Type.Optional(FreeText({ maxLength: 200, description: 'at most 200 characters' })),
      address: Type.Optional(FreeText({ maxLength: 500, description: 'at most 500 characters' })),
    },
    { additionalProperties: false, description: 'location: a point, with an optional name and address' },
  ),
  image: AttachmentSendBody,
  voice: AttachmentSendBody,
  video: AttachmentSendBody,
  file: AttachmentSendBody,
  custom: Type.Object(
    {
      type: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$', description: "the application's name for it: a-z first, then up to 63 of a-z 0-9 _ . -" }),
      data: Type.Unknown({ description: 'any JSON the application defines (every string in it follows the text rule)' }),
    },
    { additionalProperties: false, description: 'custom: an application-defined type and its JSON' },
  ),
} satisfies Record<MessageKind, TSchema>;

export type MessageBody<K extends MessageKind = MessageKind> = Static<(typeof MESSAGE_BODIES)[K]>;

let checkers: { [K in MessageKind]: Checker<(typeof MESSAGE_BODIES)[K]> } | undefined;
let storedAttachment: Checker<typeof AttachmentStoredBody> | undefined;

/**
 * How a body is checked: `sent` as a client sends it (an attachment kind names its upload's ref), `stored`
 * as the server records and delivers it (an attachment kind describes the file; the gateway swapped the ref
 * for it). Every other kind has one shape for both.
 */
export type BodyForm = 'sent' | 'stored';

/**
 * Whether a message's kind, body and content agree: the kind is one of MESSAGE_KINDS, the body (absent
 * for none: `{}`) matches the kind's shape and is at most MAX_BODY_BYTES as JSON, a text's spans lie within
 * its content, and every string anywhere in the body follows the text rule. Returns the problem, or
 * undefined when it is fine. It recurses through `body`: bound its nesting first (parseClientFrame refuses
 * a body deeper than MAX_BODY_DEPTH before calling this).
 */
export function messageProblem(kind: string, content: string, body: unknown, form: BodyForm = 'sent'): string | undefined {
  if (!(MESSAGE_KINDS as readonly string[]).includes(kind)) return `kind must be one of ${MESSAGE_KINDS.join(', ')}`;
  const value = body ?? {};
  if (utf8Length(JSON.stringify(value)) > MAX_BODY_BYTES) return `body is over ${MAX_BODY_BYTES} bytes as JSON`;
  checkers ??= Object.fromEntries(MESSAGE_KINDS.map((k) => [k, compile(MESSAGE_BODIES[k])])) as NonNullable<typeof checkers>;
  const checker: Checker<TSchema> =
    form === 'stored' && isAttachmentKind(kind) ? (storedAttachment ??= compile(AttachmentStoredBody)) : checkers[kind as MessageKind];
  if (!checker.check(value)) {
    const e = checker.lastError;
    return `body does not match kind "${kind}"${e ? `: ${e.instancePath || 'body'} ${e.message ?? 'is invalid'}` : ''}`;
  }
  if (!isTextDeep(value)) return 'a string in body contains U+0000 or an unpaired surrogate';
  if (kind === 'text') {
    const length = codePointLength(content);
    for (const span of (value as MessageBody<'text'>).spans ?? []) {
      if (span.end <= span.start || span.end > length) return `a span must have start < end <= ${length} (the code points of content)`;
      if (span.style === 'link' && span.href === undefined) return 'a link span needs href';
      if (span.style === 'mention' && span.userId === undefined) return 'a mention span needs userId';
    }
  }
  return undefined;
}


/** One emoji as Unicode's RGI set has it (with its skin tone, a family, a flag, a keycap): what a reaction is. */
export function isEmoji(s: string): boolean {
  return s.length <= 32 && RGI_EMOJI.test(s);
}
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
