export * from './types.js';
export { commandCodec, eventCodec, SchemaError, schemaVersions, fingerprintOf, asBuffers, type Codec } from './codec.js';
export { rabinFingerprint } from './rabin.js';
