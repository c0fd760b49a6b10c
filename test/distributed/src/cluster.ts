import WebSocket from 'ws';
import { ParleyClient, type WebSocketConstructor } from '@parley/sdk';
import type { Cluster } from '@parley/test-infra';

export { Cluster, type AppName } from '@parley/test-infra';

/** A client whose HTTP goes to query `q` and WebSocket to gateway `g`. */
export function clusterClient(cluster: Cluster, g: number, q = 0): ParleyClient {
  return new ParleyClient({
    url: cluster.urls('query')[q]!,
    wsUrl: cluster.urls('gateway')[g]!,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    minReconnectDelayMs: 50,
    maxReconnectDelayMs: 1000,
  });
}
