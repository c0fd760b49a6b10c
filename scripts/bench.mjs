#!/usr/bin/env node
// `npm run bench -- <scenario> [options]`: build what changed, then run one benchmark (bench/src/run.ts).
// The Kafka broker's jars (distributed mode) are fetched by the same fixtures the tests use. `--driver k6`
// uses a k6 the user installed (on PATH, or PARLEY_K6); the project does not install k6 (docs/BENCHMARKS.md).
import './require-node.mjs'; // first: a clear message on a Node.js too old to run Parley
import { buildThenRun, root } from './build-then-run.mjs';

buildThenRun(`${root}/bench/dist/run.js`, process.argv.slice(2), root);
