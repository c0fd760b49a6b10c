#!/usr/bin/env node
// `npm run bench -- <scenario> [options]`: build what changed, then run one benchmark (bench/src/run.ts).
// The Kafka broker's jars (distributed mode) are fetched by the same fixtures the tests use. `--driver k6`
// uses a k6 the user installed (on PATH, or PARLEY_K6); the project does not install k6 (docs/BENCHMARKS.md).
import './require-node.mjs'; // first: a clear message on a Node.js too old to run Parley
import { buildThenRun, root } from './build-then-run.mjs';

// `recovery` (fill, restart, time to ready: bench/src/startup.ts) and `takeover` (distributed: kill an ingest
// instance, time until every conversation accepts a send; `--runs restart`: restart every app, the same
// timing: bench/src/takeover.ts) and `retention` (the embedded
// log's segment rewrite: bench/src/retention.ts) are scripts of their own;
// the rest are run.ts's scenarios.
const [scenario, ...rest] = process.argv.slice(2);
if (scenario === 'recovery') buildThenRun(`${root}/bench/dist/startup.js`, rest, root);
else if (scenario === 'takeover') buildThenRun(`${root}/bench/dist/takeover.js`, rest, root);
else if (scenario === 'retention') buildThenRun(`${root}/bench/dist/retention.js`, rest, root);
else buildThenRun(`${root}/bench/dist/run.js`, process.argv.slice(2), root);
