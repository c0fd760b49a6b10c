import type { Transport } from './transport.js';

type WebSocketLike = {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
};
/** A WebSocket class: the browser's (and Node 22+'s) global one, or the `ws` package's default export. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The WebSocket transport (`ws://`, `wss://`) over a given WebSocket implementation. */
export function webSocketTransport(WebSocket: WebSocketConstructor): Transport {
  return Object.freeze({
    schemes: Object.freeze(['ws', 'wss']),
    connect(url, events) {
      const ws = new WebSocket(url.toString());
      let done = false;
      ws.onopen = () => {
        if (!done) events.open();
      };
      ws.onmessage = (ev) => {
        if (done) return;
        let frame: unknown;
        try {
          frame = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        events.frame(frame);
      };
      ws.onerror = () => undefined;
      ws.onclose = (ev) => {
        if (done) return;
        done = true;
        events.close(ev.code, ev.reason);
      };
      return {
        send: (text) => ws.send(text),
        close: (code, reason) => {
          if (done) return;
          done = true;
          ws.close(code, reason);
        },
      };
    },
  } satisfies Transport);
}
