import fc from 'fast-check';
import { type Timeframe } from '@tickline/core';
import {
  AggregationError,
  ThresholdBarAggregator,
  TimeBarAggregator,
  type ThresholdAggregatorState,
  type ThresholdBarAggregatorOptions,
  type TimeAggregatorState,
  type TimeBarAggregatorOptions,
} from '@tickline/aggregation';
import { feed, splitSteps, steps } from './streams';

const TIMEFRAMES: Timeframe[] = ['1s', '1m', '5m', '1h', '1d'];

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
      fc.property(splitSteps, ({ input, fill, k }) => {
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
      }),
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
