export { createHttpDelivery, parseDeliveries, type HttpDeliveryOptions } from './http-delivery.js';
export { gatewayIdFor, deliveryUrl } from './gateway-address.js';
