import type { TicklineConfig } from '@tickline/config';
import type { GatewayTokens } from './auth';

/** Limits and timings of the gateway; every field has a default (GATEWAY_DEFAULTS). */
export interface GatewayLimits {
  /** Largest WebSocket frame a client may send, bytes. Default 4096 (subscribe frames are small). */
  readonly maxPayloadBytes: number;
  /** Subscriptions one WebSocket may hold at once. Default 20. */
  readonly maxSubscriptions: number;
  /** Frames queued for one client beyond what its socket holds; past it partials are dropped and a final closes it. Default 5000. */
  readonly maxQueuedFrames: number;
  /** Bytes written to a client's socket but not yet sent before the gateway queues instead. Default 1 MiB. */
  readonly highWaterBytes: number;
  /** How often every client is pinged; one missing pong by the next ping ends it. Default 15000 ms. */
  readonly pingIntervalMs: number;
  /** Largest HTTP request body (POST /v1/backfill), bytes. Default 16384. */
  readonly maxBodyBytes: number;
  /**
   * Bar keys each subscription remembers to drop repeats at the history/live seam (the client's
   * maxTrackedBars, 100,000 there). Default 10,000: enough while the store lags the stream by fewer bars,
   * and it bounds a subscription's memory however long it runs.
   */
  readonly maxTrackedBars: number;
}

export const GATEWAY_DEFAULTS: GatewayLimits = {
  maxPayloadBytes: 4096,
  maxSubscriptions: 20,
  maxQueuedFrames: 5000,
  highWaterBytes: 1 << 20,
  pingIntervalMs: 15_000,
  maxBodyBytes: 16_384,
  maxTrackedBars: 10_000,
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Tokens from the config; with none configured and a loopback listening address, reads are open, to requests
 * from loopback naming a loopback host only (authorizeRequest).
 */
export function tokensFromConfig(config: TicklineConfig): GatewayTokens {
  const { readToken, operatorToken, host } = config.gateway;
  const none = readToken === undefined && operatorToken === undefined;
  return { read: readToken, operator: operatorToken, openReads: none && LOOPBACK.has(host) };
}
