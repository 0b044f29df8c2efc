// Random trade streams for the property tests. Prices and sizes are multiples of 1/4 and 1/8 so every
// sum of products is exact in floating point: bars can then be compared exactly, whatever the order
// in which the code under test adds the trades.
import fc from 'fast-check';
import { type Bar, type Timeframe, type Trade } from '@tickline/core';
import {
  type AggregationEvent,
  type AggregatorState,
  type TimeBarAggregatorOptions,
  type TradeColumns,
} from '@tickline/aggregation';
import { type Figures } from './reference';

export const LATENESS = 2000;
const BASE = Date.parse('2024-02-28T23:58:00Z');

/** Gaps between consecutive trades: same time, sub-second, seconds, minutes, and (if asked) days. */
function gap(longGaps: boolean) {
  const arbitraries = [
    fc.constant(0),
    fc.integer({ min: 1, max: 900 }),
    fc.integer({ min: 1_000, max: 20_000 }),
    fc.integer({ min: 60_000, max: 900_000 }),
  ];
  if (longGaps) arbitraries.push(fc.integer({ min: 3_600_000, max: 9 * 86_400_000 }));
  return fc.oneof(...arbitraries);
}

export interface StreamOptions {
  longGaps?: boolean;
  start?: number;
  maxTrades?: number;
}

/** Trades in event-time order with unique ids. */
export function sortedTrades(options: StreamOptions = {}): fc.Arbitrary<Trade[]> {
  const leg = fc.record({
    gap: gap(options.longGaps ?? false),
    price: fc.integer({ min: 4, max: 4000 }),
    size: fc.integer({ min: 1, max: 800 }),
  });
  return fc.array(leg, { minLength: 1, maxLength: options.maxTrades ?? 80 }).map((legs) => {
    let ts = options.start ?? BASE;
    return legs.map((entry, index) => {
      ts += entry.gap;
      return trade(ts, entry.price / 4, entry.size / 8, `t${index}`);
    });
  });
}

export function trade(ts: number, price: number, size: number, id: string): Trade {
  return { venue: 'binance', symbol: 'BTCUSDT', ts, recvTs: ts + 5, price, size, side: 'buy', id };
}

/**
 * The same trades as they might arrive: each delayed by up to the allowed lateness (so a trade is never
 * more than the lateness behind any earlier arrival), plus exact copies arriving at any later point.
 */
export function arrivals(sorted: Trade[]): fc.Arbitrary<Trade[]> {
  const n = sorted.length;
  return fc
    .record({
      delays: fc.array(fc.integer({ min: 0, max: LATENESS }), { minLength: n, maxLength: n }),
      copies: fc.array(fc.record({ of: fc.nat(n - 1), after: fc.nat(n) }), { maxLength: 10 }),
    })
    .map(({ delays, copies }) => {
      const order = sorted
        .map((t, index) => ({ t, key: t.ts + delays[index]! }))
        .sort((a, b) => a.key - b.key)
        .map((entry) => entry.t);
      for (const copy of copies) {
        const original = sorted[copy.of]!;
        const from = order.indexOf(original) + 1;
        const at = Math.min(order.length, from + copy.after);
        order.splice(at, 0, { ...original });
      }
      return order;
    });
}

export function figures(bar: Figures | Bar): Figures {
  const { start, open, high, low, close, volume, trades, vwap } = bar;
  return { start, open, high, low, close, volume, trades, vwap };
}

export function barsOf<B extends { start: number } = Bar>(
  events: readonly AggregationEvent<B>[],
  kinds: string[] = ['final'],
): B[] {
  return events.flatMap((event) => (kinds.includes(event.kind) && 'bar' in event ? [event.bar] : []));
}

/** The latest published version of every bar of a timeframe, in time order. */
export function latest(events: readonly AggregationEvent[], timeframe: string): Bar[] {
  const byStart = new Map<number, Bar>();
  for (const bar of barsOf(events, ['final', 'revision'])) {
    if (bar.timeframe === timeframe) byStart.set(bar.start, bar);
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** One step of input: a trade, or a wall-clock advance (how the service closes quiet bars). */
export type Step = { trade: Trade } | { advance: number };

/**
 * Streams with reordering within the lateness and duplicates (arrivals), late trades (some trades moved
 * to the end: revisions, or too-late rejections after long gaps) and wall-clock advances.
 */
export const steps = (longGaps: boolean) =>
  sortedTrades({ longGaps, maxTrades: 60 }).chain((sorted) =>
    fc
      .record({
        order: arrivals(sorted),
        late: fc.array(fc.nat(sorted.length - 1), { maxLength: 4 }),
        advances: fc.array(
          fc.record({ at: fc.nat(sorted.length), by: fc.integer({ min: 0, max: 600_000 }) }),
          {
            maxLength: 3,
          },
        ),
      })
      .map(({ order, late, advances }) => {
        const moved = late.map((i) => sorted[i]!);
        const all: Step[] = [...order.filter((t) => !moved.includes(t)), ...moved].map((trade) => ({
          trade,
        }));
        for (const { at, by } of advances) {
          const before = all.slice(0, at).flatMap((s) => ('trade' in s ? [s.trade.ts] : []));
          all.splice(at, 0, { advance: Math.max(0, ...before) + by });
        }
        return all;
      }),
  );

export interface Runner<B> {
  push(trade: Trade, out: AggregationEvent<B>[]): unknown;
  advanceTo(watermark: number, out: AggregationEvent<B>[]): unknown;
  flush(out: AggregationEvent<B>[]): unknown;
  snapshot(): AggregatorState;
}

export function feed<B>(agg: Runner<B>, input: Step[], out: AggregationEvent<B>[] = []) {
  for (const step of input) {
    if ('trade' in step) agg.push(step.trade, out);
    else agg.advanceTo(step.advance, out);
  }
  return out;
}

/**
 * Steps with fill on or off (fill makes a bar of every empty interval: days-long gaps only without it)
 * and a split point `k` in [0, steps]: where a snapshot is taken, or partials looked at.
 */
export const splitSteps = fc
  .boolean()
  .chain((fill) => steps(!fill).map((input) => ({ input, fill })))
  .chain(({ input, fill }) => fc.nat(input.length).map((k) => ({ input, fill, k })));

/**
 * Trades as columns, the offline path's input. Without `conditions` the columns carry no sale
 * conditions at all, which is what lets TimeBarAggregator.pushColumns take rows in its inline loop.
 */
export function columnsOf(trades: Trade[], conditions = true): TradeColumns {
  const columns: TradeColumns = {
    ts: Float64Array.from(trades, (t) => t.ts),
    recvTs: Float64Array.from(trades, (t) => t.recvTs),
    price: Float64Array.from(trades, (t) => t.price),
    size: Float64Array.from(trades, (t) => t.size),
    id: trades.map((t) => t.id),
    side: trades.map((t) => t.side),
  };
  if (conditions) {
    columns.conditions = trades.map((t) => t.conditions);
    columns.tape = trades.map((t) => t.tape);
  }
  return columns;
}

/** Options of the streams' instrument (BTCUSDT on Binance) with a 10-minute revision window. */
export function streamOptions(timeframes: Timeframe[], fill: boolean): TimeBarAggregatorOptions {
  return { venue: 'binance', symbol: 'BTCUSDT', timeframes, fill, revisionWindowMs: 600_000 };
}
