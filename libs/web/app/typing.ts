import type { MessageFrame, ParleyClient } from '@parley/sdk';
import type { TypingFrame } from '@parley/protocol';
import type { Store } from './state.js';

/** Someone typing in a conversation. */
export interface Typist {
  readonly username: string;
}

/** A received `typing` lasts this long unless repeated (the sender repeats it every 3 s). */
export const TYPING_SHOWN_MS = 6000;

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…"; undefined for nobody. */
export function typingText(names: readonly string[]): string | undefined {
  const [a, b] = names;
  if (a === undefined) return undefined;
  if (b === undefined) return `${a} is typing…`;
  if (names.length === 2) return `${a} and ${b} are typing…`;
  return `${names.length} people are typing…`;
}

/**
 * Who is typing where (AppState.typing), from the `typing` frames of the other members. Each indicator
 * goes 6 s after its last frame, at a `typing:false`, when that member's message arrives, or when the
 * connection drops (the frames that would end it are not replayed).
 */
export class Typing {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private client: ParleyClient | undefined;

  constructor(private readonly store: Store) {}

  attach(client: ParleyClient): void {
    this.client = client;
    client.on('typing', (f) => this.onTyping(f));
    client.on('message', (m: MessageFrame) => this.end(m.conversation, m.sender.id));
    client.on('state', (state) => {
      if (state !== 'open') this.clear();
    });
  }

  stop(): void {
    this.client = undefined;
    this.clear();
  }

  /** Tells the conversation's other members that the user is typing, or stopped (dropped while offline). */
  send(conversation: string, typing: boolean): void {
    this.client?.setTyping(conversation, typing);
  }

  private onTyping(f: TypingFrame): void {
    if (f.user.id === this.store.state.me?.id) return;
    if (!f.typing) return this.end(f.conversation, f.user.id);
    const key = `${f.conversation}\u0000${f.user.id}`;
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => this.end(f.conversation, f.user.id), TYPING_SHOWN_MS));
    this.store.update((s) => {
      let here = s.typing.get(f.conversation);
      if (!here) s.typing.set(f.conversation, (here = new Map()));
      here.set(f.user.id, { username: f.user.username });
    });
  }

  private end(conversation: string, user: string): void {
    const key = `${conversation}\u0000${user}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const here = this.store.state.typing.get(conversation);
    if (!here?.has(user)) return;
    this.store.update((s) => {
      here.delete(user);
      if (here.size === 0) s.typing.delete(conversation);
    });
  }

  private clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.store.state.typing.size) this.store.update((s) => s.typing.clear());
  }
}
