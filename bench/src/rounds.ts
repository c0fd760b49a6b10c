/** The median and spread of one figure over the rounds of a run. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Every numeric leaf of `value`, by its dotted path (arrays left out: they are lists, not figures). */
function leaves(value: unknown, path: string, out: Map<string, number>): void {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(path, value);
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  }
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * For every figure that each round reports (latency percentiles, CPU, memory, throughput...), its median,
 * lowest and highest over the rounds. This machine is noisy: one run is an anecdote.
 */
export function summarize(rounds: readonly Record<string, unknown>[]): Record<string, Spread> {
  const per = rounds.map((r) => {
    const m = new Map<string, number>();
    leaves(r, '', m);
    return m;
  });
  const out: Record<string, Spread> = {};
  for (const path of per[0]?.keys() ?? []) {
    const values = per.flatMap((m) => (m.has(path) ? [m.get(path)!] : []));
    if (values.length !== per.length) continue;
    out[path] = { median: Math.round(median(values) * 100) / 100, min: Math.min(...values), max: Math.max(...values) };
  }
  return out;
}
