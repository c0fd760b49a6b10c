export { Gateway, type GatewayOptions, type GatewayLimits } from './gateway.js';
export { UwsServer, type UwsServerOptions } from './uws-server.js';
export { TcpServer, type TcpServerOptions } from './tcp-server.js';
export type { ClientSocket, HistoryReader, AwaitProjection } from './socket.js';
export { loadSingleNodeConfig, type SingleNodeConfig } from './config.js';
export { startSingleNode, type SingleNode } from './single-node.js';
