/** p50 / p95 / p99 / max of latency samples (ms). */
export function percentiles(samples: number[]): { p50: number; p95: number; p99: number; max: number } {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(s[s.length - 1]! * 10) / 10 };
}
