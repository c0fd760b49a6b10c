/** While the user keeps typing, `typing` is sent again this often (others drop it 6 s after the last one). */
export const TYPING_REPEAT_MS = 3000;
/** The user stopped typing this long after their last keystroke. */
export const TYPING_IDLE_MS = 4000;

/**
 * The composer's side of typing indicators, for one conversation at a time: `typing:true` at the first
 * keystroke and at most every 3 s after while the text changes; `typing:false` 4 s after the last
 * keystroke, when the box empties, or when the user moves to another conversation. A sent message ends it
 * on the server, so `sent` only forgets it.
 */
export class TypingSignal {
  private conversation: string | undefined;
  private lastSent = 0;
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (conversation: string, typing: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The text of the box in `conversation` changed (typed, pasted, cut). */
  input(conversation: string, text: string): void {
    if (this.conversation !== conversation) this.stop();
    if (!text.trim()) return this.stop();
    const now = this.now();
    if (this.conversation === undefined || now - this.lastSent >= TYPING_REPEAT_MS) {
      this.conversation = conversation;
      this.lastSent = now;
      this.send(conversation, true);
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** The message went out: the server ended the indicator with it. */
  sent(): void {
    clearTimeout(this.idle);
    this.conversation = undefined;
  }

  /** Tells the others the user stopped (when they were told otherwise). */
  stop(): void {
    clearTimeout(this.idle);
    const c = this.conversation;
    this.conversation = undefined;
    if (c !== undefined) this.send(c, false);
  }
}
