#!/usr/bin/env node
// `npm start`: build what changed, then run every Parley app in one process on the embedded adapters.
import './require-node.mjs'; // first: a clear message on a Node.js too old to run Parley
import { buildThenRun, root } from './build-then-run.mjs';

buildThenRun(`${root}/apps/gateway/dist/single-node-main.js`, [], process.cwd());
