// Writes docs/protocol.schema.json from the frame declarations. Run with `npm run docs` in libs/protocol.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_SCHEMA_PATH, renderProtocolSchema } from './protocol-schema.js';

const target = fileURLToPath(new URL(`../../../../${PROTOCOL_SCHEMA_PATH}`, import.meta.url));
await writeFile(target, renderProtocolSchema());
process.stdout.write(`wrote ${target}\n`);
