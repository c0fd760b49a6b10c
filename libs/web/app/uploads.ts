import { attachmentKindFor, MAX_FILE_NAME_CHARS, ParleyClientError, type AttachmentKind, type ParleyClient } from '@parley/sdk';
import { cutOnGraphemes, utf8Length } from '@parley/protocol';
import type { Chat } from './chat.js';
import { describeError } from './errors.js';
import { formatBytes } from './format.js';
import { mentionsIn } from './mentions.js';
import type { Draft, MessageExtras, Store, UploadEntry } from './state.js';

/** What a message of each attachment kind says when it has no caption: "[Image] cat.png". */
export const KIND_LABELS: Record<AttachmentKind, string> = { image: 'Image', voice: 'Voice', video: 'Video', file: 'File' };

/** The content of a file's message without a caption. */
export function attachmentLabel(kind: AttachmentKind, name: string): string {
  return `[${KIND_LABELS[kind]}] ${name}`;
}

/** The caption and reply the composer hands over with the files (the first file's message carries them). */
export interface Caption {
  readonly text: string;
  readonly extras: Pick<MessageExtras, 'replyTo' | 'mentions'>;
}

/** The composer's draft as the caption of the files attached with it (its text, the reply, the mentions picked). */
export function captionOf(draft: Draft): Caption {
  const text = draft.text.replace(/^\s*\n|\s+$/g, '');
  const { mentions } = mentionsIn(text, draft.picked);
  return { text, extras: { ...(draft.reply ? { replyTo: draft.reply.seq } : {}), ...(mentions.length ? { mentions } : {}) } };
}

interface Job {
  readonly file: Blob;
  caption: Caption | undefined;
  kind: AttachmentKind;
  /** The server's upload id, once made: a retry resumes it. */
  uploadId: string | undefined;
  abort: AbortController | undefined;
}

/**
 * The uploads controller beside Chat: uploads picked, pasted or dropped files one after another (in the
 * order given, so their messages keep it), each shown with its progress (AppState.uploads), then sends
 * each as a message of its kind. A cancelled upload is deleted on the server; a failed one can be retried
 * (it resumes where the server is) or dismissed.
 */
export class Uploads {
  private readonly jobs = new Map<string, Job>();
  private running: string | undefined;
  private next = 0;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly chat: Chat,
  ) {}

  private get api(): ParleyClient {
    return this.chat.api;
  }

  /** Queues `files` for `conversation`; the first one's message gets `caption`. Answers a sentence when none can be sent. */
  add(conversation: string, files: readonly File[], caption?: Caption): string | undefined {
    if (caption && utf8Length(caption.text) > this.store.state.maxContentBytes) return `The caption is too long: at most ${this.store.state.maxContentBytes} bytes.`;
    const usable = files.filter((f) => f.size > 0);
    if (!usable.length) return 'An empty file cannot be sent.';
    if (usable.length < files.length) this.chat.notify('error', `Empty files cannot be sent: ${files.filter((f) => f.size === 0).map((f) => f.name).join(', ')}.`);
    let first = caption;
    for (const file of usable) {
      const key = `u${++this.next}`;
      const kind = attachmentKindFor(file.type);
      this.jobs.set(key, { file, caption: first, kind, uploadId: undefined, abort: undefined });
      first = undefined;
      this.store.update((s) =>
        s.uploads.set(key, { key, conversation, name: fileName(file, kind), kind, size: file.size, sent: 0, status: 'queued', error: undefined }),
      );
    }
    this.pump();
    return undefined;
  }

  /** Stops an upload (or takes it out of the queue) and deletes what the server has of it. */
  cancel(key: string): void {
    const job = this.jobs.get(key);
    this.jobs.delete(key);
    this.store.update((s) => s.uploads.delete(key));
    if (!job) return;
    job.abort?.abort();
    if (job.uploadId) this.discard(job.uploadId);
    if (this.running === key) this.running = undefined;
    this.pump();
  }

  /** Tries a failed upload again, from where the server is. */
  retry(key: string): void {
    const entry = this.store.state.uploads.get(key);
    if (!entry || entry.status !== 'failed') return;
    this.store.update(() => {
      entry.status = 'queued';
      entry.error = undefined;
    });
    this.pump();
  }

  /** Stops every upload (logout): the server deletes unfinished ones after a day. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.values()) job.abort?.abort();
    this.jobs.clear();
  }

  /** Deletes an upload on the server, as far as it can (the server deletes what is left after a day). */
  private discard(uploadId: string | undefined): void {
    if (!uploadId) return;
    Promise.resolve()
      .then(() => this.api.uploads.cancel(uploadId))
      .catch(() => undefined);
  }

  /** Starts the next queued upload when none runs. */
  private pump(): void {
    if (this.running || this.stopped) return;
    const next = [...this.store.state.uploads.values()].find((u) => u.status === 'queued');
    if (!next) return;
    this.running = next.key;
    void this.run(next).finally(() => {
      if (this.running === next.key) this.running = undefined;
      this.pump();
    });
  }

  private async run(entry: UploadEntry): Promise<void> {
    const job = this.jobs.get(entry.key);
    if (!job) return;
    const abort = (job.abort = new AbortController());
    this.store.update(() => (entry.status = 'uploading'));
    try {
      const result = await this.api.uploads.upload(job.file, {
        kind: job.kind,
        name: entry.name,
        ...(job.file.type ? { mime: job.file.type } : {}),
        ...(job.uploadId ? { resume: job.uploadId } : {}),
        signal: abort.signal,
        onUpload: (u) => (job.uploadId = u.id),
        onProgress: (sent) => this.store.update(() => (entry.sent = sent)),
      });
      if (!this.jobs.has(entry.key)) return;
      this.jobs.delete(entry.key);
      this.store.update((s) => s.uploads.delete(entry.key));
      if (!this.store.state.conversations.has(entry.conversation)) return this.discard(job.uploadId);
      const caption = job.caption?.text.trim() ? job.caption.text : attachmentLabel(job.kind, entry.name);
      this.chat.sendAttachment(entry.conversation, job.kind, caption, result.ref, job.caption?.extras);
    } catch (error) {
      if (!this.jobs.has(entry.key) || abort.signal.aborted) return;
      // The bytes are not what the kind takes (a voice note in a WebM the server reads as video): send it as a file.
      if (error instanceof ParleyClientError && error.code === 'type_mismatch' && job.kind !== 'file') {
        job.kind = 'file';
        job.uploadId = undefined;
        this.store.update(() => {
          entry.kind = 'file';
          entry.sent = 0;
          entry.status = 'queued';
        });
        return;
      }
      // The upload is gone (expired, or refused): a retry starts a new one.
      if (error instanceof ParleyClientError && error.status !== undefined && error.status < 500 && error.code !== 'aborted') job.uploadId = undefined;
      this.store.update(() => {
        entry.status = 'failed';
        entry.error = uploadError(error, entry);
      });
    } finally {
      job.abort = undefined;
    }
  }
}

/** The file's name as messages show it: its own (cut to the limit), or one made up for a pasted image. */
function fileName(file: File, kind: AttachmentKind): string {
  const name = file.name.trim();
  if (name) return cutOnGraphemes(name, MAX_FILE_NAME_CHARS);
  const ext = file.type.split('/')[1]?.replace(/[^a-z0-9]/g, '') ?? '';
  return `${kind}${ext ? `.${ext}` : ''}`;
}

function uploadError(error: unknown, entry: UploadEntry): string {
  if (error instanceof ParleyClientError && error.code === 'payload_too_large') {
    const limit = error.details?.['limit'];
    const what = entry.kind === 'file' ? 'Files' : `${KIND_LABELS[entry.kind]}s`;
    return typeof limit === 'number'
      ? `This file is ${formatBytes(entry.size)}; ${what.toLowerCase()} can be at most ${formatBytes(limit)}.`
      : `This file is too large (${formatBytes(entry.size)}).`;
  }
  return describeError(error);
}
