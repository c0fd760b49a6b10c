export * from './frames.js';
export * from './close-codes.js';
export * from './ids.js';
export * from './parse-client-frame.js';
export * from './api.js';
export * from './text.js';
export * from './schema/compile.js';
