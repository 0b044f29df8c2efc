import fc from 'fast-check';
import { type Timeframe, type Trade } from '@tickline/core';
import {
  AggregationError,
  ThresholdBarAggregator,
  TimeBarAggregator,
  type AggregationEvent,
  type AggregatorState,
  type ThresholdAggregatorState,
  type ThresholdBarAggregatorOptions,
  type TimeAggregatorState,
  type TimeBarAggregatorOptions,
} from '@tickline/aggregation';
import { arrivals, sortedTrades } from './streams';

const TIMEFRAMES: Timeframe[] = ['1s', '1m', '5m', '1h', '1d'];

/** One step of input: a trade, or a wall-clock advance (how the service closes quiet bars). */
type Step = { trade: Trade } | { advance: number };

/**
 * Streams with reordering within the lateness and duplicates (arrivals), late trades (some trades moved
 * to the end: revisions, or too-late rejections after long gaps) and wall-clock advances.
 */
const steps = (longGaps: boolean) =>
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

interface Runner<B> {
  push(trade: Trade, out: AggregationEvent<B>[]): unknown;
  advanceTo(watermark: number, out: AggregationEvent<B>[]): unknown;
  flush(out: AggregationEvent<B>[]): unknown;
  snapshot(): AggregatorState;
}

function feed<B>(agg: Runner<B>, input: Step[], out: AggregationEvent<B>[] = []) {
  for (const step of input) {
    if ('trade' in step) agg.push(step.trade, out);
    else agg.advanceTo(step.advance, out);
  }
  return out;
}

/** A crash and restart: the snapshot goes through JSON, as the service stores it. */
function throughJson<S>(state: S): S {
  return JSON.parse(JSON.stringify(state)) as S;
}

describe('snapshot and restore', () => {
  const timeOptions = (fill: boolean): TimeBarAggregatorOptions => ({
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframes: TIMEFRAMES,
    fill,
    revisionWindowMs: 600_000,
  });

  it('time bars: restored after any k steps, emits exactly what the uninterrupted run emits after k', () => {
    fc.assert(
      // Fill makes a bar of every empty second: days-long gaps only without it.
      fc.property(
        fc.boolean().chain((fill) => steps(!fill).map((input) => ({ input, fill }))),
        fc.nat(),
        ({ input, fill }, splitSeed) => {
          const k = splitSeed % (input.length + 1);
          const options = timeOptions(fill);
          const whole = new TimeBarAggregator(options);
          feed(whole, input.slice(0, k));
          const expected = whole.flush(feed(whole, input.slice(k)));

          const first = new TimeBarAggregator(options);
          feed(first, input.slice(0, k));
          const state = throughJson(first.snapshot());
          const restored = TimeBarAggregator.restore(options, state);
          const actual = restored.flush(feed(restored, input.slice(k)));
          expect(actual).toEqual(expected);
          expect(restored.stats()).toEqual(whole.stats());
          expect(restored.snapshot()).toEqual(whole.snapshot());
        },
      ),
      { numRuns: 120 },
    );
  });

  it('threshold bars: the same for tick and volume bars', () => {
    const specs: ThresholdBarAggregatorOptions['spec'][] = [
      { kind: 'tick', trades: 3 },
      { kind: 'volume', volume: 100 },
    ];
    fc.assert(
      fc.property(steps(true), fc.nat(), fc.constantFrom(...specs), (input, splitSeed, spec) => {
        const k = splitSeed % (input.length + 1);
        const options = { venue: 'binance' as const, symbol: 'BTCUSDT', spec };
        const whole = new ThresholdBarAggregator(options);
        feed(whole, input.slice(0, k));
        const expected = whole.flush(feed(whole, input.slice(k)));
        const first = new ThresholdBarAggregator(options);
        feed(first, input.slice(0, k));
        const restored = ThresholdBarAggregator.restore(options, throughJson(first.snapshot()));
        expect(restored.flush(feed(restored, input.slice(k)))).toEqual(expected);
        expect(restored.stats()).toEqual(whole.stats());
      }),
      { numRuns: 200 },
    );
  });

  it('stays bounded: only bars and ids the revision window can still reach are kept', () => {
    const options = { ...timeOptions(false), timeframes: ['1m'] as Timeframe[] };
    const agg = new TimeBarAggregator(options);
    const t0 = Date.parse('2024-03-01T00:00:00Z');
    // One trade a second for six hours; the window is 10 minutes.
    for (let i = 0; i < 6 * 3600; i++) {
      agg.push({
        venue: 'binance',
        symbol: 'BTCUSDT',
        ts: t0 + i * 1000,
        recvTs: t0 + i * 1000,
        price: 1,
        size: 1,
        side: 'buy',
        id: `${i}`,
      });
    }
    const state = agg.snapshot();
    const lane = state.lanes[0]!;
    expect(lane.closed.length).toBeLessThanOrEqual(12);
    expect(lane.open.length).toBe(1);
    const ids = state.gate.ids.reduce((sum, [, list]) => sum + list.length, 0);
    expect(ids).toBeLessThanOrEqual(12 * 60);
    expect(JSON.stringify(state).length).toBeLessThan(20_000);
  });

  it('refuses a snapshot of other series or another kind', () => {
    const agg = new TimeBarAggregator(timeOptions(false));
    const state = agg.snapshot();
    expect(() => TimeBarAggregator.restore({ ...timeOptions(false), timeframes: ['1m'] }, state)).toThrow(
      AggregationError,
    );
    const threshold = new ThresholdBarAggregator({
      venue: 'binance',
      symbol: 'BTCUSDT',
      spec: { kind: 'tick', trades: 2 },
    });
    expect(() =>
      TimeBarAggregator.restore(timeOptions(false), threshold.snapshot() as unknown as TimeAggregatorState),
    ).toThrow(/cannot restore/);
    expect(() =>
      ThresholdBarAggregator.restore(
        { venue: 'binance', symbol: 'BTCUSDT', spec: { kind: 'tick', trades: 2 } },
        state as unknown as ThresholdAggregatorState,
      ),
    ).toThrow(/not a threshold/);
  });
});
