import {
  resolveConnectionOptions,
  type ConnectionOptions,
  type ResolvedConnectionOptions,
} from '../feed/connectionOptions';
import { stripUndefined } from '../feed/stripUndefined';
import { VenueError } from '../venueError';

/** Alpaca's market-data stream host; the documented production origin. */
export const ALPACA_WS_ORIGIN = 'wss://stream.data.alpaca.markets';

/** Feeds and their documented paths: stocks `/v2/{feed}`, crypto `/v1beta3/crypto/us`. */
export const ALPACA_FEED_PATHS = {
  iex: '/v2/iex',
  sip: '/v2/sip',
  delayed_sip: '/v2/delayed_sip',
  test: '/v2/test',
  crypto: '/v1beta3/crypto/us',
} as const;
export type AlpacaFeedName = keyof typeof ALPACA_FEED_PATHS;

/** Every field but `symbols`, `keyId` and `secretKey` has a default, in {@link resolveAlpacaFeedOptions}. */
export interface AlpacaFeedOptions extends ConnectionOptions {
  /** Origin only (`TICKLINE_ALPACA_WS_URL`); the feed's path is appended. [wss://stream.data.alpaca.markets] */
  wsUrl?: string;
  /** `iex` (free plan), `sip`, `delayed_sip`, `test` or `crypto`. ['iex'] */
  feed?: AlpacaFeedName;
  /** e.g. AAPL, BRK.B, BTC/USD. */
  symbols: readonly string[];
  /** `APCA_API_KEY_ID`, from the config (environment). Never logged. */
  keyId: string;
  /** `APCA_API_SECRET_KEY`, from the config (environment). Never logged. */
  secretKey: string;
  /** Channels to subscribe per symbol. [true, true, true] */
  trades?: boolean;
  quotes?: boolean;
  /** The venue's own minute bars, emitted as `venueBar` (a cross-check source). */
  bars?: boolean;
  /** Least wait before retrying after an auth failure (402, 409, 411...), ms: at most ~2 tries a minute. [30000] */
  authRetryMs?: number;
  /** Least wait after `connection limit exceeded` (406), ms: another process holds the slot. [60000] */
  connectionLimitRetryMs?: number;
  /**
   * We ping this often, ms, and pongs count as liveness, as the official SDKs do (10 s): a quiet
   * market must not look like a dead link to the watchdog. 0: off. [10000]
   */
  pingIntervalMs?: number;
  /** Least spacing of our control messages, ms. [100] */
  controlIntervalMs?: number;
}

export type ResolvedAlpacaFeedOptions = Required<Omit<AlpacaFeedOptions, keyof ConnectionOptions>> &
  ResolvedConnectionOptions;

const SYMBOL = /^[A-Z0-9][A-Z0-9./-]{0,20}$/;

export function resolveAlpacaFeedOptions(options: AlpacaFeedOptions): ResolvedAlpacaFeedOptions {
  const resolved: ResolvedAlpacaFeedOptions = {
    wsUrl: ALPACA_WS_ORIGIN,
    feed: 'iex',
    trades: true,
    quotes: true,
    bars: true,
    authRetryMs: 30_000,
    connectionLimitRetryMs: 60_000,
    controlIntervalMs: 100,
    pingIntervalMs: 10_000,
    ...stripUndefined(options),
    symbols: [...options.symbols],
    keyId: options.keyId,
    secretKey: options.secretKey,
    ...resolveConnectionOptions(options),
  };
  const problems = [
    ...resolved.symbols
      .filter((s) => !isAlpacaSymbol(s))
      .map((s) => `symbol ${JSON.stringify(s)} is not an Alpaca symbol`),
    ...(resolved.keyId === '' ? ['keyId is empty (APCA_API_KEY_ID)'] : []),
    ...(resolved.secretKey === '' ? ['secretKey is empty (APCA_API_SECRET_KEY)'] : []),
    ...(resolved.feed in ALPACA_FEED_PATHS
      ? []
      : [`feed must be one of ${Object.keys(ALPACA_FEED_PATHS).join(', ')}`]),
    ...(!resolved.trades && !resolved.quotes && !resolved.bars ? ['no channel enabled'] : []),
    ...(['authRetryMs', 'connectionLimitRetryMs'] as const)
      .filter((k) => !(resolved[k] >= 0))
      .map((k) => `${k} must be >= 0`),
    ...(/^wss?:\/\/[^/]+$/.test(resolved.wsUrl) ? [] : [`wsUrl must be an origin like ${ALPACA_WS_ORIGIN}`]),
  ];
  // The message names fields, never their values: keys must not reach logs.
  if (problems.length > 0)
    throw new VenueError('INVALID_OPTIONS', `Alpaca feed options: ${problems.join('; ')}`);
  return resolved;
}

export function isAlpacaSymbol(symbol: string): boolean {
  return SYMBOL.test(symbol);
}
