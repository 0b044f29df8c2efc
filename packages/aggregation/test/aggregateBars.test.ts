import fc from 'fast-check';
import { from, lastValueFrom, Subject, throwError, toArray } from 'rxjs';
import { type Trade } from '@tickline/core';
import {
  aggregateBars,
  TimeBarAggregator,
  type AggregateBarsOptions,
  type AggregationEvent,
} from '@tickline/aggregation';
import { arrivals, sortedTrades, trade } from './streams';

const aggregator = () =>
  new TimeBarAggregator({ venue: 'binance', symbol: 'BTCUSDT', timeframes: ['1s', '1m', '5m', '1h'] });

/** Runs batches through the operator and collects what it emits, one array per emission. */
async function run(batches: Trade[][], options: AggregateBarsOptions = {}, agg = aggregator()) {
  return lastValueFrom(from(batches).pipe(aggregateBars(agg, options), toArray()), { defaultValue: [] });
}

/** Cuts `trades` into consecutive batches at the given points. */
function batchesOf(trades: Trade[], cuts: number[]): Trade[][] {
  const points = [...new Set(cuts.map((c) => c % (trades.length + 1)))].sort((a, b) => a - b);
  return [...points, trades.length].map((end, i) => trades.slice(i === 0 ? 0 : points[i - 1], end));
}

const notPartial = (events: readonly AggregationEvent[]) => events.filter((e) => e.kind !== 'partial');

describe('aggregateBars equals the offline core (property)', () => {
  it('for any batching of the same stream (duplicates, reordering), with or without partials', async () => {
    const input = sortedTrades({ longGaps: true }).chain((sorted) =>
      fc.record({
        order: arrivals(sorted),
        cuts: fc.array(fc.nat(), { maxLength: 12 }),
        partials: fc.boolean(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, async ({ order, cuts, partials }) => {
        const offline = aggregator();
        const expected = offline.flush(offline.pushAll(order));
        const batches = batchesOf(order, cuts);
        const emitted = await run(batches, partials ? { partialsEveryMs: 0 } : {});
        expect(notPartial(emitted.flat())).toEqual(expected);
        expect(emitted.every((events) => events.length > 0)).toBe(true);
        if (partials) {
          const withPartials = emitted.filter((events) => events.some((e) => e.kind === 'partial'));
          expect(withPartials.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('aggregateBars (examples)', () => {
  const t0 = Date.parse('2024-03-01T10:00:00Z');

  it('publishes partials at most once per partialsEveryMs of its clock, showing the open bars', async () => {
    const times = [0, 500, 1000, 2500];
    const clock = () => times.shift()!;
    const batches = [0, 1, 2, 3].map((i) => [trade(t0 + i * 100, 100 + i, 1, `p${i}`)]);
    const emitted = await run(batches, { partialsEveryMs: 1000, clock, flushOnComplete: false });
    expect(emitted.map((events) => events.filter((e) => e.kind === 'partial').length)).toEqual([4, 4, 4]);
    const last = emitted.at(-1)!.find((e) => e.kind === 'partial' && e.bar.timeframe === '1m');
    expect(last !== undefined && 'bar' in last && [last.bar.open, last.bar.close, last.bar.trades]).toEqual([
      100, 103, 4,
    ]);
  });

  it('watermarks close the bars of a quiet instrument; without flushOnComplete open bars stay open', () => {
    const trades = new Subject<Trade[]>();
    const watermarks = new Subject<number>();
    const agg = aggregator();
    const emitted: (readonly AggregationEvent[])[] = [];
    let completed = false;
    trades.pipe(aggregateBars(agg, { watermarks, flushOnComplete: false })).subscribe({
      next: (events) => emitted.push(events),
      complete: () => (completed = true),
    });
    trades.next([trade(t0 + 5_000, 100, 1, 'a')]);
    expect(emitted).toEqual([]);
    watermarks.next(t0 + 60_000);
    expect(emitted.flat().map((e) => ('bar' in e ? `${e.kind} ${e.bar.timeframe}` : e.kind))).toEqual([
      'final 1s',
      'missing',
      'final 1m',
    ]);
    trades.complete();
    expect(completed).toBe(true);
    watermarks.next(t0 + 3_600_000); // unsubscribed with the trades
    expect(emitted).toHaveLength(1);
    expect(agg.partials().map((e) => 'bar' in e && e.bar.timeframe)).toEqual(['5m', '1h']);
  });

  it('an error upstream ends the stream with that error', async () => {
    const failing = throwError(() => new Error('stream lost'));
    await expect(lastValueFrom(failing.pipe(aggregateBars(aggregator())))).rejects.toThrow('stream lost');
  });
});
