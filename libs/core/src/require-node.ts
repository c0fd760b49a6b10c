import { MIN_NODE_VERSION, nodeVersionProblem } from './node-version.js';

/*
 * Imported first by every entry point (`import '@parley/core/require-node'`): exits with code 2 and one
 * line on stderr when Node.js is older than MIN_NODE_VERSION, before anything else runs. It imports
 * nothing else, so it runs on any Node that loads ES modules. An entry point whose static imports need a
 * newer Node to link (the single node's embedded log: `node:zlib` crc32) must load those with import()
 * after this, since linking fails before any module runs.
 */
const problem = nodeVersionProblem(process.versions.node, MIN_NODE_VERSION, process.execPath);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}
