import sharp from 'sharp';
import { ParleyError } from '@parley/core';
import { collect } from './collect.js';

/** The most pixels (width x height) of an image the server decodes: bounds the memory one image takes. */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** The box every thumbnail fits in, keeping the aspect ratio (never enlarged). */
export const THUMBNAIL_BOX = 320;

export interface ImageInfoOptions {
  /** The most bytes read from `body` (default 64 MiB); more is ParleyError 'payload_too_large'. */
  readonly maxBytes?: number;
  /** How long decoding and thumbnailing may take (default 20 s); past it the image is refused. */
  readonly timeoutSeconds?: number;
}

export interface ImageInfo {
  /** As displayed: with the EXIF orientation applied (a portrait photo is taller than wide). */
  readonly width: number;
  readonly height: number;
  /** A WebP of the (first frame of the) image, oriented, fitting {@link THUMBNAIL_BOX} squared. */
  readonly thumbnail: { readonly bytes: Uint8Array; readonly width: number; readonly height: number };
}

/**
 * An image's displayed size and a WebP thumbnail, decoded by sharp (libvips) with its limits for
 * untrusted input: at most {@link MAX_IMAGE_PIXELS} pixels, a timeout, and decoding errors that abort.
 * An image that cannot be read (corrupt, truncated, too many pixels, too slow) is ParleyError
 * 'type_mismatch': the bytes are not an image the server can show.
 */
export async function imageInfo(body: Uint8Array | AsyncIterable<Uint8Array>, options: ImageInfoOptions = {}): Promise<ImageInfo> {
  const bytes = await collect(body, options.maxBytes ?? 64 * 1024 * 1024);
  const seconds = options.timeoutSeconds ?? 20;
  const open = () => sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error', sequentialRead: true }).timeout({ seconds });
  try {
    const meta = await open().metadata();
    const { width, height } = meta.autoOrient;
    if (!(width > 0 && height > 0)) throw new Error('it has no size');
    if (width * height > MAX_IMAGE_PIXELS) throw new Error(`it has ${width}x${height} pixels, more than ${MAX_IMAGE_PIXELS}`);
    const { data, info } = await open()
      .autoOrient()
      .resize(THUMBNAIL_BOX, THUMBNAIL_BOX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer({ resolveWithObject: true });
    return { width, height, thumbnail: { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height } };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ParleyError('type_mismatch', `The image cannot be read: ${reason}`, { cause: error });
  }
}
