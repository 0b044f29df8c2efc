import { type Bar, type BarQuality } from '@tickline/core';
import { roundVolume } from './roundVolume';

/**
 * One bar's running OHLCV, and nothing else: which interval it covers and when it closes is the
 * aggregator's business (Nautilus' BarBuilder vs BarAggregator split). Trades may come in any order:
 * open is the earliest trade (the first to arrive among equal times) and close the latest (the last
 * to arrive among equal times), so the state equals a rebuild over the trades sorted stably by time,
 * whatever the arrival order. That is what lets a late trade revise a final bar without keeping trades.
 */
export class BarBuilder {
  // Empty state: no price yet (a trade may set volume only, see saleConditions.ts), so the extremes
  // start at ±Infinity and open/close are taken by the first trade through the time comparisons.
  open = NaN;
  high = -Infinity;
  low = Infinity;
  close = NaN;
  volume = 0;
  /** Sum of price * size: vwap is notional / volume. */
  notional = 0;
  trades = 0;
  firstTs = Infinity;
  lastTs = -Infinity;

  add(price: number, size: number, ts: number): void {
    this.extremes(price);
    this.last(price, ts);
    this.volume += size;
    this.notional += price * size;
    this.trades++;
  }

  /**
   * A trade whose sale conditions allow only some updates (US equities): `extremes` high/low,
   * `last` open/close, `volume` volume, notional and the trade count.
   */
  addEligible(
    price: number,
    size: number,
    ts: number,
    extremes: boolean,
    last: boolean,
    volume: boolean,
  ): void {
    if (extremes) this.extremes(price);
    if (last) this.last(price, ts);
    if (volume) {
      this.volume += size;
      this.notional += price * size;
      this.trades++;
    }
  }

  private extremes(price: number): void {
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
  }

  /** Open is the earliest trade (first to arrive among equal times), close the latest (last to arrive). */
  private last(price: number, ts: number): void {
    if (ts < this.firstTs) {
      this.firstTs = ts;
      this.open = price;
    }
    if (ts >= this.lastTs) {
      this.lastTs = ts;
      this.close = price;
    }
  }

  /**
   * Merges a whole bar that lies strictly after everything added so far (rollup adds bars in time
   * order). Its `notional` makes the vwap exact; a bar without one (from a provider) gives
   * `vwap * volume`, exact only to float rounding.
   */
  addBar(bar: Bar, end: number): void {
    if (bar.start < this.firstTs) {
      this.open = bar.open;
      this.firstTs = bar.start;
    }
    if (bar.high > this.high) this.high = bar.high;
    if (bar.low < this.low) this.low = bar.low;
    this.close = bar.close;
    this.lastTs = end - 1;
    this.volume += bar.volume;
    this.notional += bar.notional ?? bar.vwap * bar.volume;
    this.trades += bar.trades;
  }

  /**
   * Merges the figures of a builder over a disjoint interval (a closed lower-timeframe bar into the
   * higher bar containing it): the result equals adding that builder's trades one by one.
   */
  merge(other: BarBuilder): void {
    if (other.firstTs < this.firstTs) {
      this.firstTs = other.firstTs;
      this.open = other.open;
    }
    if (other.lastTs >= this.lastTs && other.lastTs > -Infinity) {
      this.lastTs = other.lastTs;
      this.close = other.close;
    }
    if (other.high > this.high) this.high = other.high;
    if (other.low < this.low) this.low = other.low;
    this.volume += other.volume;
    this.notional += other.notional;
    this.trades += other.trades;
  }

  /** A bar with no trades, flat at `price` (flat fill of an empty interval); the next add() overwrites it. */
  fillFlat(price: number): void {
    this.open = this.high = this.low = this.close = price;
    this.volume = this.notional = this.trades = 0;
  }

  /** Whether some trade has set the prices (a bar of volume-only trades has none: see ohlcv()). */
  get priced(): boolean {
    return this.lastTs > -Infinity || this.high > -Infinity;
  }

  get vwap(): number {
    return this.volume > 0 ? this.notional / this.volume : this.close;
  }
}

/** What a bar needs besides its OHLCV. */
export interface BarLabel {
  venue: Bar['venue'];
  symbol: string;
  timeframe: Bar['timeframe'];
  start: number;
  /** Set only when the bar does not simply end at the next timeframe boundary (equity sessions). */
  end?: number;
  final: boolean;
  revision: number;
  quality: BarQuality;
  source: string;
}

/** The builder's figures in Bar's fields. */
export type Ohlcv = Pick<Bar, 'open' | 'high' | 'low' | 'close' | 'volume' | 'trades' | 'vwap' | 'notional'>;

/**
 * The builder's figures. When sale conditions kept every trade from setting open/close (or high/low),
 * those fall back to the vwap (clamped into the extremes when there are any), see docs/equity-conditions.md.
 */
export function ohlcv(builder: BarBuilder): Ohlcv {
  const { volume, trades, notional } = builder;
  return {
    open: openOf(builder),
    high: highOf(builder),
    low: lowOf(builder),
    close: closeOf(builder),
    volume: roundVolume(volume),
    trades,
    vwap: builder.vwap,
    notional,
  };
}

/** The open and close of a bar no trade set them in: the vwap, clamped into the extremes if any. */
function unsetLast(builder: BarBuilder): number {
  const { high, low, vwap } = builder;
  return high === -Infinity ? vwap : Math.min(high, Math.max(low, vwap));
}

/** ohlcv(builder).open, without building the figures. */
function openOf(builder: BarBuilder): number {
  return builder.lastTs > -Infinity ? builder.open : unsetLast(builder);
}

/** ohlcv(builder).close, without building the figures (asked once per final bar, for the next one). */
export function closeOf(builder: BarBuilder): number {
  return builder.lastTs > -Infinity ? builder.close : unsetLast(builder);
}

/** ohlcv(builder).high: without extremes set, the higher of open and close. */
function highOf(builder: BarBuilder): number {
  return builder.high === -Infinity ? Math.max(openOf(builder), closeOf(builder)) : builder.high;
}

function lowOf(builder: BarBuilder): number {
  return builder.high === -Infinity ? Math.min(openOf(builder), closeOf(builder)) : builder.low;
}

/** A core Bar from a builder's state (one with trades, or a flat-filled one). */
export function barFromBuilder(builder: BarBuilder, label: BarLabel): Bar {
  const { venue, symbol, timeframe, start, end, final, revision, quality, source } = label;
  return barOf(builder, venue, symbol, timeframe, start, end, final, revision, quality, source);
}

/**
 * barFromBuilder with the label's fields as arguments (once per bar published, so without a label
 * object and without ohlcv()'s intermediate object; the same figures as ohlcv()).
 */
export function barOf(
  builder: BarBuilder,
  venue: Bar['venue'],
  symbol: string,
  timeframe: Bar['timeframe'],
  start: number,
  end: number | undefined,
  final: boolean,
  revision: number,
  quality: BarQuality,
  source: string,
): Bar {
  // Spelled out rather than spread, and without ohlcv()'s object: this runs for every bar published.
  const bar: Bar = {
    venue,
    symbol,
    timeframe,
    start,
    open: openOf(builder),
    high: highOf(builder),
    low: lowOf(builder),
    close: closeOf(builder),
    volume: roundVolume(builder.volume),
    trades: builder.trades,
    vwap: builder.vwap,
    notional: builder.notional,
    final,
    revision,
    quality,
    source,
  };
  if (end !== undefined) bar.end = end;
  return bar;
}
