export * from './parley-error.js';
export * from './logger.js';
export * from './config.js';
export * from './murmur2.js';
export * from './ports/event-log.js';
export * from './ports/presence.js';
export * from './ports/delivery.js';
export * from './consumer-health.js';
