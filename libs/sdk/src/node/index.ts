/**
 * `@parley/sdk/node`: what only Node can do, kept out of the SDK's main entry so that it stays
 * browser-safe. Pass the transport to the client:
 *
 *   new ParleyClient({ url: 'http://localhost:8080', realtimeUrl: 'tcp://localhost:8081', transports: [tcpTransport()] })
 */
export { tcpTransport, DEFAULT_TCP_PORT, type TcpTransportOptions } from './tcp-transport.js';
