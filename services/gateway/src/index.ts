// @tickline/gateway-service: HTTP API, /v1/stream WebSocket subscriptions and the live dashboard.
export { createGatewayService, type GatewayServiceOptions } from './gatewayService';
export { startGateway, type Gateway, type GatewayOptions } from './gatewayServer';
export { GATEWAY_DEFAULTS, type GatewayLimits } from './gatewayOptions';
export { barJson, type BarJson } from '@tickline/storage';
export { GATEWAY_OPENAPI } from './http/openapi';
export { ROUTES, type FundamentalsLookup } from './http/routes';
export type { BackfillFigures, BackfillOrder, BackfillPort, BackfillQueued } from './http/backfillPort';
export { STREAM_PROTOCOL, TOKEN_PROTOCOL_PREFIX, type Scope } from './auth';
export { SLOW_CONSUMER_CLOSE } from './stream/streamSession';
export { STREAM_PATH } from './stream/streamServer';
