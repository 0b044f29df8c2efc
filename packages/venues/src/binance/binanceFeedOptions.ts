import { DEFAULT_BACKOFF, validateBackoff, type BackoffOptions } from '../feed/backoff';
import { DEFAULT_WATCHDOG, validateWatchdog, type WatchdogOptions } from '../feed/silenceWatchdog';
import { VenueError } from '../venueError';
import { isBinanceSymbol } from './binanceSymbols';

/** Binance spot market streams; the documented production origin. */
export const BINANCE_WS_ORIGIN = 'wss://stream.binance.com:9443';

/** Every field but `symbols` has a default, in {@link resolveBinanceFeedOptions}. */
export interface BinanceFeedOptions {
  /** Origin only (`TICKLINE_BINANCE_WS_URL`); `/stream?streams=...` is appended. [wss://stream.binance.com:9443] */
  wsUrl?: string;
  /** Canonical upper-case symbols, e.g. BTCUSDT. */
  symbols: readonly string[];
  /** Trade channel: `trade` (every fill), `aggTrade`, or none. ['trade'] */
  trades?: 'trade' | 'aggTrade' | false;
  /** Subscribe `bookTicker` as quotes. [true] */
  quotes?: boolean;
  /** Binance allows 1024 streams per connection; more go to further connections. [1024] */
  maxStreamsPerConnection?: number;
  /** Streams named in the connect URL; the rest are SUBSCRIBEd after open (keeps the URL short). [100] */
  maxUrlStreams?: number;
  /** Stream names per SUBSCRIBE / UNSUBSCRIBE message. [100] */
  maxParamsPerRequest?: number;
  /**
   * Least spacing of our control messages per connection, ms. Binance cuts a connection above 5
   * incoming messages a second, pongs included, so 250 (4/s) leaves room for the pong. [250]
   */
  controlIntervalMs?: number;
  /** Open a successor connection this long after a connection opened (Binance cuts at 24 h). [23 h] */
  rotateAfterMs?: number;
  /** How long the successor and the old connection run side by side, ms. [10000] */
  rotationOverlapMs?: number;
  /** [10000] */
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  watchdog?: Partial<WatchdogOptions>;
  /** Clock and randomness, injectable for tests. [Date.now, Math.random] */
  now?: () => number;
  random?: () => number;
  /** A listener threw, or something failed in the background. [process.emitWarning] */
  onError?: (error: unknown) => void;
}

export type ResolvedBinanceFeedOptions = Required<Omit<BinanceFeedOptions, 'backoff' | 'watchdog'>> & {
  backoff: BackoffOptions;
  watchdog: WatchdogOptions;
};

export function resolveBinanceFeedOptions(options: BinanceFeedOptions): ResolvedBinanceFeedOptions {
  const resolved: ResolvedBinanceFeedOptions = {
    wsUrl: BINANCE_WS_ORIGIN,
    trades: 'trade',
    quotes: true,
    maxStreamsPerConnection: 1024,
    maxUrlStreams: 100,
    maxParamsPerRequest: 100,
    controlIntervalMs: 250,
    rotateAfterMs: 23 * 3600_000,
    rotationOverlapMs: 10_000,
    connectTimeoutMs: 10_000,
    now: Date.now,
    random: Math.random,
    onError: (error) => process.emitWarning(error instanceof Error ? error : new Error(String(error))),
    ...stripUndefined(options),
    symbols: [...options.symbols],
    backoff: { ...DEFAULT_BACKOFF, ...stripUndefined(options.backoff ?? {}) },
    watchdog: { ...DEFAULT_WATCHDOG, ...stripUndefined(options.watchdog ?? {}) },
  };
  const problems = [
    ...resolved.symbols
      .filter((s) => !isBinanceSymbol(s))
      .map((s) => `symbol ${JSON.stringify(s)} is not upper-case A-Z0-9`),
    ...positive(resolved, [
      'maxStreamsPerConnection',
      'maxUrlStreams',
      'maxParamsPerRequest',
      'rotateAfterMs',
    ]),
    ...(resolved.trades === false && !resolved.quotes ? ['neither trades nor quotes are enabled'] : []),
    ...(/^wss?:\/\/[^/]+$/.test(resolved.wsUrl)
      ? []
      : [`wsUrl must be an origin like ${BINANCE_WS_ORIGIN}, got ${resolved.wsUrl}`]),
  ];
  if (problems.length > 0)
    throw new VenueError('INVALID_OPTIONS', `Binance feed options: ${problems.join('; ')}`);
  validateBackoff(resolved.backoff);
  validateWatchdog(resolved.watchdog);
  return resolved;
}

function positive(o: ResolvedBinanceFeedOptions, keys: Array<keyof ResolvedBinanceFeedOptions>): string[] {
  return keys.filter((k) => !((o[k] as number) > 0)).map((k) => `${k} must be greater than 0`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
