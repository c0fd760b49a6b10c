import uWS from 'uWebSockets.js';

/**
 * The ceiling: a bare uWebSockets.js server doing the same broadcast with no platform logic (no auth, no
 * log, no store, no presence). It speaks just enough of Parley's protocol for the same load generators:
 * the `auth` frame's token is the comma-separated list of the connection's conversations; a `send` gets
 * an `ack` with the conversation's next seq, and a `message` frame goes to every other connection of the
 * conversation. There is no history, so a resume gets nothing.
 */
export function startBareServer(port: number): Promise<{ port: number; close(): void }> {
  interface Data { conversations?: string[] }
  const members = new Map<string, Set<uWS.WebSocket<Data>>>();
  const seqs = new Map<string, number>();
  const app = uWS.App().ws<Data>('/v1/ws', {
    maxPayloadLength: 1 << 20,
    maxBackpressure: 16 << 20,
    idleTimeout: 120,
    open: () => undefined,
    message: (ws, message) => {
      const f = JSON.parse(Buffer.from(message).toString('utf8')) as { type: string; token?: string; conversation?: string; clientMsgId?: string; content?: string };
      const data = ws.getUserData();
      if (f.type === 'auth') {
        data.conversations = (f.token ?? '').split(',').filter((c) => c.length > 0);
        for (const c of data.conversations) {
          let set = members.get(c);
          if (!set) members.set(c, (set = new Set()));
          set.add(ws);
        }
        ws.send('{"type":"ready"}');
        return;
      }
      if (f.type !== 'send' || !f.conversation) return;
      const seq = (seqs.get(f.conversation) ?? 0) + 1;
      seqs.set(f.conversation, seq);
      const ts = Date.now();
      const frame = JSON.stringify({ type: 'message', conversation: f.conversation, seq, ts, clientMsgId: f.clientMsgId, content: f.content });
      for (const other of members.get(f.conversation) ?? []) if (other !== ws) other.send(frame);
      ws.send(JSON.stringify({ type: 'ack', conversation: f.conversation, clientMsgId: f.clientMsgId, seq, ts }));
    },
    close: (ws) => {
      for (const c of ws.getUserData().conversations ?? []) members.get(c)?.delete(ws);
    },
  });
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', port, (socket) => {
      if (!socket) return reject(new Error(`bare server cannot listen on ${port}`));
      resolve({ port: uWS.us_socket_local_port(socket as unknown as uWS.us_socket), close: () => uWS.us_listen_socket_close(socket) });
    });
  });
}
