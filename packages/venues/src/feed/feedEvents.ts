import type { Quote, Trade, Venue } from '@tickline/core';

/** Why a stretch of data is missing. `stale`: our watchdog cut a silent link. */
export type GapCause = 'reconnect' | 'sequence' | 'stale';

/**
 * A stretch of data we know we did not receive, published to `tl:gaps` so it can be backfilled.
 * Time bounds are the last event time seen before and the first seen after (or the disconnect
 * and reconnect times when no data bounds it). `fromId`/`toId` are the exact missing trade id range,
 * inclusive, in the same form as `Trade.id`, when the venue numbers its trades.
 */
export interface FeedGap {
  venue: Venue;
  symbols: string[];
  cause: GapCause;
  fromTs: number;
  toTs: number;
  fromId?: string;
  toId?: string;
  /** How many trades are missing, when the ids say so. */
  missing?: number;
  /** Which connection saw it (e.g. `binance#2`). */
  connection: string;
}

/** Input we could not turn into a record: the raw payload, why, and when it arrived. */
export interface FeedReject {
  venue: Venue;
  raw: string;
  reason: string;
  recvTs: number;
  connection: string;
}

/**
 * A bar as the venue itself built it (Alpaca's minute bars): kept as a cross-check source for our
 * own bars, never stored as ours. `start` is the bar's open time, epoch ms.
 */
export interface VenueBar {
  venue: Venue;
  symbol: string;
  timeframe: '1m';
  start: number;
  recvTs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades?: number;
  vwap?: number;
}

/**
 * The venue says a trade it sent earlier was wrong. Trades are facts once published, so the tick
 * stream is never rewritten; amendments go to their own stream (`tl:corrections:{venue:SYMBOL}`), for
 * the aggregator to revise the bars that counted the trade.
 * - `cancel`: trade `tradeId` did not happen (Alpaca action `C`, cancel, and `E`, error, alike):
 *   take it out of volume, trade count and prices.
 * - `correction`: trade `tradeId` happened with other values: take it out and count `corrected`
 *   (a new trade id, same event time as the original) instead.
 * `price`, `size`, `conditions` restate the amended trade as the venue last sent it.
 */
export interface TradeAmendment {
  venue: Venue;
  symbol: string;
  kind: 'cancel' | 'correction';
  /** The amended trade's id, in the form of `Trade.id`. */
  tradeId: string;
  /** The venue's time on the amendment message, epoch ms. */
  ts: number;
  recvTs: number;
  price: number;
  size: number;
  conditions?: string[];
  exchange?: string;
  tape?: string;
  /** Cancels: the venue's action code (Alpaca: `C` cancel, `E` error). */
  action?: string;
  /** Corrections: the trade that replaces the amended one. */
  corrected?: { id: string; price: number; size: number; conditions?: string[] };
}

export type FeedEvent =
  | { type: 'trade'; trade: Trade }
  | { type: 'amendment'; amendment: TradeAmendment }
  | { type: 'venueBar'; bar: VenueBar }
  | { type: 'quote'; quote: Quote }
  | { type: 'gap'; gap: FeedGap }
  | { type: 'reject'; reject: FeedReject }
  | { type: 'connected'; venue: Venue; connection: string; at: number; url: string; streams: number }
  /** Disconnects are data (tardis-node style): consumers may reset state or flag bars. */
  | {
      type: 'disconnected';
      venue: Venue;
      connection: string;
      at: number;
      cause: GapCause;
      reason: string;
      /** False for planned closes: rotation, removal of the last stream, stop(). */
      unexpected: boolean;
      /** Delay before the next attempt, when one is scheduled. */
      retryInMs?: number;
    }
  /** The venue answered a request with an error, or said it is going down. */
  | {
      type: 'venueError';
      venue: Venue;
      connection: string;
      at: number;
      code?: number;
      message: string;
      /** Symbols the venue refused (e.g. Alpaca's symbol limit), when the error is about some. */
      symbols?: string[];
    };

export type FeedListener = (event: FeedEvent) => void;

/** Counters for metrics; cumulative since start. */
export interface FeedStats {
  frames: number;
  trades: number;
  /** Cancels and corrections of earlier trades. */
  amendments: number;
  quotes: number;
  rejects: number;
  duplicates: number;
  gaps: number;
  connects: number;
  disconnects: number;
}

/** A live venue feed: one object per venue, however many sockets it needs underneath. */
export interface LiveFeed {
  readonly venue: Venue;
  /** Registers a listener; returns the function that removes it. Listeners run synchronously. */
  onEvent(listener: FeedListener): () => void;
  /** Opens the connections. Resolves once every connection has been attempted once. */
  start(): Promise<void>;
  /** Changes the instruments on live connections (subscribe / unsubscribe, open or close shards). */
  setSymbols(symbols: readonly string[]): void;
  /** Closes everything; idempotent. */
  stop(): Promise<void>;
  stats(): FeedStats;
}
