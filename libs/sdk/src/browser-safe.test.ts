import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

test("the SDK's main entry stays browser-safe: no node: module anywhere in its own import graph", () => {
  const seen = new Set<string>();
  const nodeImports: string[] = [];
  const visit = (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const source = readFileSync(fileURLToPath(url), 'utf8');
    for (const [, spec] of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      if (!spec) continue;
      if (spec.startsWith('.')) visit(new URL(spec, url));
      else if (spec.startsWith('node:') || ['net', 'tls', 'fs', 'http', 'https', 'crypto'].includes(spec)) nodeImports.push(`${url.pathname}: ${spec}`);
    }
  };
  visit(new URL('./index.js', import.meta.url));
  assert.ok(seen.has(new URL('./parley-client.js', import.meta.url).href), 'the walk follows the entry into its modules');
  assert.deepEqual(nodeImports, []);
  assert.ok(![...seen].some((href) => href.includes('/node/')), '@parley/sdk/node is not reachable from the main entry');
});
