export { RedisPresence, type RedisPresenceOptions } from './redis-presence.js';
