export { Fanout, type FanoutOptions } from './fanout.js';
export { routeEvent } from './route-event.js';
