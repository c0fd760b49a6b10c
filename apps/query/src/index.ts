export { Projector, type ProjectorOptions } from './projector.js';
export { CommandBus, type CommandBusOptions } from './command-bus.js';
export { createHttpApp, type HttpAppDeps } from './http/create-http-app.js';
export { HTTP_STATUS } from './http/http-errors.js';
export { createHttpDeps } from './http/create-http-deps.js';
export { AttachmentSweeper, type AttachmentSweeperOptions } from './attachment-sweeper.js';
export { readUploadLimits, type UploadLimits } from './upload-config.js';
