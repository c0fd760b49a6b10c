export { detectType, kindAccepts, mimeForKind, DETECT_HEAD_BYTES, IMAGE_MIMES, UNKNOWN_MIME, VOICE_CONTAINERS } from './detect-type.js';
export { imageInfo, MAX_IMAGE_PIXELS, THUMBNAIL_BOX, type ImageInfo, type ImageInfoOptions } from './image-info.js';
export { mediaInfo, type MediaInfo, type MediaInfoOptions } from './media-info.js';
export { Mp4MoovScanner, ISO_BMFF_VIDEO_MIMES, MAX_MOOV_BYTES, type MoovFindings } from './mp4-moov-scanner.js';
