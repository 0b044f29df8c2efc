import {
  resolveConnectionOptions,
  type ConnectionOptions,
  type ResolvedConnectionOptions,
} from '../feed/connectionOptions';
import { stripUndefined } from '../feed/stripUndefined';
import { VenueError } from '../venueError';
import { isBinanceSymbol } from './binanceSymbols';

/** Binance spot market streams; the documented production origin. */
export const BINANCE_WS_ORIGIN = 'wss://stream.binance.com:9443';

/** Every field but `symbols` has a default, in {@link resolveBinanceFeedOptions}. */
export interface BinanceFeedOptions extends ConnectionOptions {
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
}

export type ResolvedBinanceFeedOptions = Required<Omit<BinanceFeedOptions, keyof ConnectionOptions>> &
  ResolvedConnectionOptions;

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
    ...stripUndefined(options),
    symbols: [...options.symbols],
    ...resolveConnectionOptions(options),
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
  return resolved;
}

function positive(o: ResolvedBinanceFeedOptions, keys: Array<keyof ResolvedBinanceFeedOptions>): string[] {
  return keys.filter((k) => !((o[k] as number) > 0)).map((k) => `${k} must be greater than 0`);
}
