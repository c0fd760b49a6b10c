#!/usr/bin/env node
import { ensureK6 } from './k6.js';

// `npm run bench -- install-k6`: finds k6, or builds it from the Go module proxy (go install), and prints its path.
process.stdout.write(`${await ensureK6()}\n`);
