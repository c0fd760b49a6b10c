#!/usr/bin/env node
// `npm run bench -- <scenario> [options]`: build what changed, then run one benchmark (bench/src/run.ts).
// `npm run bench -- install-k6` builds k6 from the Go module proxy (also done on first `--driver k6`).
// The Kafka broker's jars (distributed mode) are fetched by the same fixtures the tests use.
import { buildThenRun, root } from './build-then-run.mjs';

const [first, ...rest] = process.argv.slice(2);
if (first === 'install-k6') buildThenRun(`${root}/bench/dist/k6-install.js`, rest, root);
else buildThenRun(`${root}/bench/dist/run.js`, process.argv.slice(2), root);
