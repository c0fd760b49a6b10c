#!/usr/bin/env node
import { startBareServer } from './bare-uws.js';

// The ceiling server as its own process, so its CPU is measured apart from the load generator's.
const { port } = await startBareServer(0);
process.stdout.write(`${JSON.stringify({ msg: 'bare ready', port })}\n`);
process.on('SIGTERM', () => process.exit(0));
