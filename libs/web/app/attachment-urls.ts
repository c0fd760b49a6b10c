import { ParleyClientError, type AttachmentUrl, type AttachmentVariant, type ParleyClient } from '@parley/sdk';

/** A URL this close to its expiry is not handed out: fetching it may start too late. */
const MARGIN_MS = 20_000;
/** Further tries of a URL the server did not give (0.4 + 0.8 + 1.6 + 3.2 s of waiting). */
const RETRIES = 4;

/**
 * Download URLs of attachments, asked for when a message's media is first shown and kept until shortly
 * before they expire (the server's are good for 5 minutes), so drawing a message again (a reaction, an
 * edit) reuses its URL and the browser's cache. `fresh` asks again: an element whose load failed.
 */
export class AttachmentUrls {
  private readonly known = new Map<string, AttachmentUrl>();
  private readonly asking = new Map<string, Promise<string>>();

  constructor(private readonly api: () => ParleyClient) {}

  url(conversation: string, seq: number, variant: AttachmentVariant, fresh = false): Promise<string> {
    const key = `${conversation}\u0000${seq}\u0000${variant}`;
    const known = this.known.get(key);
    if (known && !fresh && known.expiresAt - Date.now() > MARGIN_MS) return Promise.resolve(known.url);
    const asking = this.asking.get(key);
    if (asking) return asking;
    const ask = this.ask(conversation, seq, variant)
      .then((u) => {
        if (this.known.size > 500) this.prune();
        this.known.set(key, u);
        return u.url;
      })
      .finally(() => this.asking.delete(key));
    this.asking.set(key, ask);
    return ask;
  }

  /**
   * Asks the server, again after a while when it did not answer or did not know the message yet (our own
   * message, just acknowledged, may reach the server's history a moment later): not_found, 5xx, no network.
   */
  private async ask(conversation: string, seq: number, variant: AttachmentVariant): Promise<AttachmentUrl> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.api().attachmentUrl(conversation, seq, variant);
      } catch (error) {
        const passing = !(error instanceof ParleyClientError) || error.code === 'not_found' || (error.status ?? 0) >= 500;
        if (!passing || attempt >= RETRIES) throw error;
        await new Promise((r) => setTimeout(r, 400 * 2 ** attempt));
      }
    }
  }

  /** Drops URLs that have expired (when many are kept). */
  private prune(now = Date.now()): void {
    for (const [key, u] of this.known) if (u.expiresAt < now) this.known.delete(key);
  }
}
