export * from './streams.js';
export * from './stream-state.js';
export * from './partition-states.js';
