import { isAttachmentKind, type Attachment, type AttachmentKind, type MessageFrame } from '@parley/protocol';

/**
 * The file a received image, voice, video or file message carries (its body `{ attachment }`, as the
 * server describes it); undefined for any other message, a recalled one (no body), or one of our own
 * still as sent (whose body names the upload's ref, a string).
 */
export function attachmentOf(m: Pick<MessageFrame, 'kind' | 'body'>): Attachment | undefined {
  if (!isAttachmentKind(m.kind)) return undefined;
  const a = m.body?.['attachment'];
  return typeof a === 'object' && a !== null && typeof (a as Attachment).id === 'string' ? (a as Attachment) : undefined;
}

/** The image types the server takes for the `image` kind (it reads the bytes); any other image goes as a `file`. */
export const IMAGE_MIMES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/tiff']);

/**
 * The kind to upload a file of media type `mime` as: `image` for the image types the server takes,
 * `voice` for audio, `video` for video, else `file` (which takes anything).
 */
export function attachmentKindFor(mime: string): AttachmentKind {
  const type = mime.toLowerCase().split(';')[0]!.trim();
  if (IMAGE_MIMES.has(type)) return 'image';
  if (type.startsWith('audio/')) return 'voice';
  if (type.startsWith('video/')) return 'video';
  return 'file';
}
