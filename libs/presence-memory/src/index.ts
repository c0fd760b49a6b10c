export { MemoryPresence, type MemoryPresenceOptions } from './memory-presence.js';
