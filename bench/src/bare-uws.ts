import uWS from 'uWebSockets.js';

/**
 * The ceiling: a bare uWebSockets.js server doing the same broadcast with no platform logic (no auth, no
 * log, no store). Every text frame a client sends is written to every other connection of its room
 * (`{"room":...}` on connect) and acked to the sender; the frame's own bytes are forwarded.
 */
export function startBareServer(port: number): Promise<{ port: number; close(): void }> {
  interface Data { room: string }
  const rooms = new Map<string, Set<uWS.WebSocket<Data>>>();
  const app = uWS.App().ws<Data>('/v1/ws', {
    maxPayloadLength: 1 << 20,
    maxBackpressure: 16 << 20,
    idleTimeout: 120,
    open: () => undefined,
    message: (ws, message) => {
      const text = Buffer.from(message).toString('utf8');
      const data = ws.getUserData();
      if (!data.room) {
        const f = JSON.parse(text) as { room?: string };
        data.room = f.room ?? 'default';
        let set = rooms.get(data.room);
        if (!set) rooms.set(data.room, (set = new Set()));
        set.add(ws);
        ws.send('{"type":"ready"}');
        return;
      }
      const f = JSON.parse(text) as { clientMsgId: string; content: string };
      const frame = JSON.stringify({ type: 'message', conversation: data.room, content: f.content, clientMsgId: f.clientMsgId });
      for (const other of rooms.get(data.room) ?? []) if (other !== ws) other.send(frame);
      ws.send(JSON.stringify({ type: 'ack', clientMsgId: f.clientMsgId }));
    },
    close: (ws) => {
      rooms.get(ws.getUserData().room)?.delete(ws);
    },
  });
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', port, (socket) => {
      if (!socket) return reject(new Error(`bare server cannot listen on ${port}`));
      resolve({ port: uWS.us_socket_local_port(socket as unknown as uWS.us_socket), close: () => uWS.us_listen_socket_close(socket) });
    });
  });
}
