import { presenceConformance } from '@parley/core/conformance';
import { MemoryPresence } from './memory-presence.js';

presenceConformance('in-memory', {
  ttlMs: 300,
  async open() {
    const presence = new MemoryPresence({ ttlMs: 300 });
    return { presence, cleanup: () => presence.close() };
  },
});
