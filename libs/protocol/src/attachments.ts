import { Type, type Static } from '@sinclair/typebox';
import { NAME_PATTERN } from './text.js';

/**
 * Attachments (docs/PROTOCOL.md "Attachments", docs/openapi.yaml tag "uploads"): the message kinds that
 * carry a file, the shape of a file as every received message describes it, and the HTTP bodies of
 * uploading one and fetching it.
 */
export const ATTACHMENT_KINDS = ['image', 'voice', 'video', 'file'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export function isAttachmentKind(kind: unknown): kind is AttachmentKind {
  return typeof kind === 'string' && (ATTACHMENT_KINDS as readonly string[]).includes(kind);
}

/** The longest file name, in characters. */
export const MAX_FILE_NAME_CHARS = 255;
/** The longest attachment reference (`ref`), in characters. */
export const MAX_ATTACHMENT_REF_CHARS = 4096;

const BlobId = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'the SHA-256 of the bytes, 64 lowercase hex digits' });
const Dimension = (what: string) => Type.Integer({ minimum: 1, maximum: 1_000_000, description: `${what} in pixels` });

export const AttachmentKindField = Type.Unsafe<AttachmentKind>({ type: 'string', enum: [...ATTACHMENT_KINDS], description: `one of ${ATTACHMENT_KINDS.join(', ')}` });
export const FileName = Type.String({ minLength: 1, maxLength: MAX_FILE_NAME_CHARS, pattern: NAME_PATTERN, description: `the file's name as the uploader gave it: 1-${MAX_FILE_NAME_CHARS} characters, a name (no control characters)` });

export const AttachmentThumbnail = Type.Object(
  {
    id: BlobId,
    mime: Type.Literal('image/webp'),
    width: Dimension('its width'),
    height: Dimension('its height'),
    size: Type.Integer({ minimum: 1, description: 'its size in bytes' }),
  },
  { additionalProperties: false, description: "a WebP that fits 320x320, made by the server from an image's bytes" },
);
export type AttachmentThumbnail = Static<typeof AttachmentThumbnail>;

/** A stored file as a message carries it: every field but `name` is the server's own finding from the bytes. */
export const Attachment = Type.Object(
  {
    id: BlobId,
    kind: AttachmentKindField,
    mime: Type.String({ pattern: '^[a-z0-9][a-z0-9.+-]{0,126}/[a-z0-9][a-z0-9.+-]{0,126}$', description: 'the media type detected from the bytes (application/octet-stream when none is)' }),
    size: Type.Integer({ minimum: 1, description: 'size in bytes' }),
    name: FileName,
    width: Type.Optional(Dimension('an image\'s or video\'s width (as displayed: EXIF rotation applied)')),
    height: Type.Optional(Dimension('an image\'s or video\'s height')),
    durationMs: Type.Optional(Type.Integer({ minimum: 0, description: 'a voice or video recording\'s length in milliseconds, where its format says it' })),
    thumbnail: Type.Optional(AttachmentThumbnail),
  },
  { additionalProperties: false, description: 'a file: what the server found in its bytes, and its name' },
);
export type Attachment = Static<typeof Attachment>;

export const AttachmentRef = Type.String({
  minLength: 1,
  maxLength: MAX_ATTACHMENT_REF_CHARS,
  pattern: '^[A-Za-z0-9._-]+$',
  description: 'the `ref` that completing an upload answered (POST /v1/uploads/{id}/complete): signed, for the uploader only, until its refExpiresAt',
});

/** The body a client sends with an attachment kind: the reference to its completed upload, nothing else. */
export const AttachmentSendBody = Type.Object({ attachment: AttachmentRef }, { additionalProperties: false, description: 'image, voice, video, file (as sent): the ref of a completed upload of that kind' });
/** The body every received and stored message of an attachment kind carries: the server's description of the file. */
export const AttachmentStoredBody = Type.Object({ attachment: Attachment }, { additionalProperties: false, description: 'image, voice, video, file (as received): the file the ref named' });
export type AttachmentStoredBody = Static<typeof AttachmentStoredBody>;

// ----- HTTP bodies (docs/openapi.yaml, tag "uploads")

export const UploadId = Type.String({ pattern: '^up_[0-9A-HJKMNP-TV-Z]{26}$', description: 'an upload id: "up_" and a ULID' });

export const UploadCreateBody = Type.Object(
  {
    kind: AttachmentKindField,
    name: FileName,
    size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "the file's size in bytes, at least 1 and at most the kind's limit" }),
    mime: Type.Optional(Type.String({ maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: 'the media type the client believes it is (recorded, never trusted: the server reads the bytes)' })),
  },
  { additionalProperties: false },
);
export type UploadCreateBody = Static<typeof UploadCreateBody>;

export const UploadView = Type.Object(
  {
    id: UploadId,
    kind: AttachmentKindField,
    name: FileName,
    size: Type.Integer({ minimum: 1, description: 'the declared size in bytes' }),
    offset: Type.Integer({ minimum: 0, description: 'how many bytes the server holds: the next chunk starts here' }),
    chunkBytes: Type.Integer({ minimum: 1, description: 'the largest chunk one PUT may carry' }),
    complete: Type.Boolean({ description: 'whether POST .../complete has made it an attachment' }),
    expiresAt: Type.Integer({ description: 'ms since the epoch when an unfinished upload (or an attachment no message uses) is deleted' }),
  },
  { additionalProperties: false },
);
export type UploadView = Static<typeof UploadView>;

export const UploadCompleted = Type.Object(
  {
    attachment: Attachment,
    ref: AttachmentRef,
    refExpiresAt: Type.Integer({ description: 'ms since the epoch after which a send with this ref is refused (invalid_attachment)' }),
  },
  { additionalProperties: false },
);
export type UploadCompleted = Static<typeof UploadCompleted>;

export const AttachmentVariant = Type.Union([Type.Literal('original'), Type.Literal('thumbnail')], { description: 'the file itself, or an image\'s thumbnail' });
export type AttachmentVariant = Static<typeof AttachmentVariant>;

export const AttachmentUrlQuery = Type.Object({ variant: Type.Optional(AttachmentVariant) }, { additionalProperties: false });

export const AttachmentUrlView = Type.Object(
  {
    url: Type.String({ description: 'a path, /v1/files/{blob}?..., to GET (Range allowed) without an Authorization header until expiresAt' }),
    expiresAt: Type.Integer({ description: 'ms since the epoch when the URL stops working' }),
  },
  { additionalProperties: false },
);
export type AttachmentUrlView = Static<typeof AttachmentUrlView>;
