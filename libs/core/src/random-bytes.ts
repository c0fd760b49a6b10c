import { randomFillSync } from 'node:crypto';

/**
 * A source of random numbers in [0, 1) of the shape the `ulid` package takes (`monotonicFactory(prng)`),
 * from the operating system's CSPRNG like ulid's own, but read 4 KiB at a time: ulid's default asks
 * `crypto.getRandomValues` for one byte per character, 16 calls an id, which was 90 µs an id in the
 * 1:1 benchmark's profile (docs/BENCHMARKS.md 11). Each number is one random byte / 256, as ulid's is.
 */
export function pooledRandom(poolBytes = 4096): () => number {
  const pool = new Uint8Array(poolBytes);
  let next = poolBytes;
  return () => {
    if (next >= poolBytes) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}
