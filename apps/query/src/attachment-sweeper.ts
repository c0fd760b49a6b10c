import type { BlobStore, Logger } from '@parley/core';
import type { UploadRepository } from '@parley/store';
import type { UploadLimits } from './upload-config.js';
import { discardUpload } from './discard-upload.js';

export interface AttachmentSweeperOptions {
  readonly uploads: UploadRepository;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  readonly limits: UploadLimits;
  /** Rows read per query (default 100). */
  readonly batch?: number;
}

/**
 * Deletes what uploads leave behind (docs/PROTOCOL.md "Attachments"): uploads not completed within
 * `ttlSeconds` of their last chunk, and completed attachments that no message uses `ttlSeconds` after
 * they were completed, with their blobs unless something else needs them (UploadRepository.blobInUse).
 *
 * Why that is safe: a ref lives half of `ttlSeconds` from its completion (the upload routes cap it so even
 * when completing again), so an attachment swept here can no longer be sent; a message sent with it
 * before then is in message_attachments long before (the projection is seconds behind, not hours), and
 * such an attachment is never swept. Every query instance may run one: deletions are idempotent.
 */
export class AttachmentSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private closed = false;
  private readonly batch: number;

  constructor(private readonly options: AttachmentSweeperOptions) {
    this.batch = options.batch ?? 100;
  }

  /** One pass: every upload due at `now`. Answers how many uploads and blobs it deleted. */
  async sweepOnce(now: number = Date.now()): Promise<{ uploads: number; blobs: number }> {
    const { uploads, limits } = this.options;
    const before = now - limits.ttlSeconds * 1000;
    const done = { uploads: 0, blobs: 0 };
    const discard = async (rows: Awaited<ReturnType<UploadRepository['staleOpen']>>) => {
      for (const row of rows) {
        done.blobs += await discardUpload(this.options, row);
        done.uploads += 1;
      }
    };
    for (;;) {
      const rows = await uploads.staleOpen(before, this.batch);
      await discard(rows);
      if (rows.length < this.batch || this.closed) break;
    }
    for (;;) {
      // Untouched since before the cutoff (completing again touches it), so no ref of it is still good.
      const rows = await uploads.unreferenced(before, this.batch);
      await discard(rows);
      if (rows.length < this.batch || this.closed) break;
    }
    return done;
  }

  /** Sweeps every `sweepSeconds`, the first time at once; a failed pass is logged and the next one tries again. */
  start(): void {
    if (this.timer || this.closed) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .then((swept) => {
          if (swept.uploads > 0) this.options.logger.info('attachments swept', swept);
        })
        .catch((error: unknown) => this.options.logger.warn('attachment sweep failed; trying again later', { error }))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.options.limits.sweepSeconds * 1000);
    this.timer.unref();
    tick();
  }

  /** Idempotent: stops the timer and waits for a pass in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
