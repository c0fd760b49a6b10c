import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MIN_NODE_VERSION, isAtLeast, nodeVersionProblem, parseVersion } from './node-version.js';

test('isAtLeast compares major, minor and patch as numbers', () => {
  assert.equal(isAtLeast('20.15.0', '20.15.0'), true);
  assert.equal(isAtLeast('20.15.1', '20.15.0'), true);
  assert.equal(isAtLeast('20.20.2', '20.15.0'), true, '20 > 15, not "2" < "1"');
  assert.equal(isAtLeast('22.0.0', '20.15.0'), true);
  assert.equal(isAtLeast('v24.1.0', '20.15.0'), true);
  assert.equal(isAtLeast('20.14.9', '20.15.0'), false);
  assert.equal(isAtLeast('20.10.0', '20.15.0'), false);
  assert.equal(isAtLeast('20.9.0', '20.15.0'), false, '9 < 15, not "9" > "1"');
  assert.equal(isAtLeast('18.20.0', '20.15.0'), false);
  assert.equal(isAtLeast('not a version', '20.15.0'), false);
  assert.deepEqual(parseVersion('v22.3.0-nightly2024'), [22, 3, 0]);
  assert.throws(() => isAtLeast('20.15.0', 'latest'), /not a version/);
});

test('nodeVersionProblem says which version runs, which is needed and how to upgrade', () => {
  assert.equal(nodeVersionProblem('20.15.0'), undefined);
  assert.equal(nodeVersionProblem(process.versions.node), undefined, 'the Node.js running this test is new enough');
  const message = nodeVersionProblem('20.10.0');
  assert.ok(message);
  assert.match(message, /needs Node\.js 20\.15\.0 or newer/);
  assert.match(message, /this is Node\.js 20\.10\.0/);
  assert.match(message, /nodejs\.org/);
  assert.match(nodeVersionProblem('18.0.0', '20.15.0', '/opt/node18/bin/node') ?? '', /this is Node\.js 18\.0\.0 \(\/opt\/node18\/bin\/node\)/);
});

test('package.json engines and the README state the same minimum as MIN_NODE_VERSION', () => {
  const root = new URL('../../../', import.meta.url);
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines?: { node?: string } };
  const [major, minor] = MIN_NODE_VERSION.split('.');
  assert.equal(pkg.engines?.node, `>=${major}.${minor}`);
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  assert.match(readme, new RegExp(`Needs Node\\.js ${major}\\.${minor} or newer`));
});
