import { type Bar, type BarQuality } from '@tickline/core';

/**
 * One bar's running OHLCV, and nothing else: which interval it covers and when it closes is the
 * aggregator's business (Nautilus' BarBuilder vs BarAggregator split). Trades may come in any order:
 * open is the earliest trade (the first to arrive among equal times) and close the latest (the last
 * to arrive among equal times), so the state equals a rebuild over the trades sorted stably by time,
 * whatever the arrival order. That is what lets a late trade revise a final bar without keeping trades.
 */
export class BarBuilder {
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  /** Sum of price * size: vwap is notional / volume. */
  notional = 0;
  trades = 0;
  firstTs = 0;
  lastTs = 0;

  add(price: number, size: number, ts: number): void {
    if (this.trades === 0) {
      this.open = this.high = this.low = this.close = price;
      this.firstTs = this.lastTs = ts;
    } else {
      if (price > this.high) this.high = price;
      if (price < this.low) this.low = price;
      if (ts < this.firstTs) {
        this.firstTs = ts;
        this.open = price;
      }
      if (ts >= this.lastTs) {
        this.lastTs = ts;
        this.close = price;
      }
    }
    this.volume += size;
    this.notional += price * size;
    this.trades++;
  }

  /**
   * Merges a whole bar that lies strictly after everything added so far (rollup adds bars in time
   * order). `notional` is `vwap * volume`: core's Bar carries no notional, so this is exact only to
   * float rounding.
   */
  addBar(bar: Bar, end: number): void {
    if (this.trades === 0) {
      this.open = bar.open;
      this.high = bar.high;
      this.low = bar.low;
      this.firstTs = bar.start;
    } else {
      if (bar.high > this.high) this.high = bar.high;
      if (bar.low < this.low) this.low = bar.low;
    }
    this.close = bar.close;
    this.lastTs = end - 1;
    this.volume += bar.volume;
    this.notional += bar.vwap * bar.volume;
    this.trades += bar.trades;
  }

  /** A bar with no trades, flat at `price` (flat fill of an empty interval); the next add() overwrites it. */
  fillFlat(price: number): void {
    this.open = this.high = this.low = this.close = price;
    this.volume = this.notional = this.trades = 0;
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
export type Ohlcv = Pick<Bar, 'open' | 'high' | 'low' | 'close' | 'volume' | 'trades' | 'vwap'>;

export function ohlcv(builder: BarBuilder): Ohlcv {
  const { open, high, low, close, volume, trades } = builder;
  return { open, high, low, close, volume, trades, vwap: builder.vwap };
}

/** A core Bar from a builder's state (one with trades, or a flat-filled one). */
export function barFromBuilder(builder: BarBuilder, label: BarLabel): Bar {
  const { venue, symbol, timeframe, start, end, final, revision, quality, source } = label;
  const bar: Bar = { venue, symbol, timeframe, start, ...ohlcv(builder), final, revision, quality, source };
  if (end !== undefined) bar.end = end;
  return bar;
}
