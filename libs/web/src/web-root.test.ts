import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { webRoot } from './index.js';

test('webRoot holds the built client: index.html loading the bundle and the stylesheet', async () => {
  const html = await readFile(join(webRoot, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]+src="\/?([^"]+)"/g)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<link[^>]+href="\/?([^"]+\.css)"/g)].map((m) => m[1]!);
  assert.ok(scripts.length > 0, 'index.html loads a script');
  for (const file of [...scripts, ...styles]) assert.ok((await stat(join(webRoot, file))).size > 0, `${file} is built and not empty`);
  assert.doesNotMatch(html, /https?:\/\//, 'no external resources: the client works offline');
});
