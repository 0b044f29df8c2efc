import fc from 'fast-check';
import { TIMEFRAMES, isMultipleOf, type Bar, type Timeframe, type Trade } from '@tickline/core';
import { AggregationError, TimeBarAggregator, rollup } from '@tickline/aggregation';
import { referenceBars, utcInterval, type Figures } from './reference';
import { barsOf, figures, sortedTrades } from './streams';

const PAIRS = TIMEFRAMES.flatMap((lower) =>
  TIMEFRAMES.filter((higher) => higher !== lower && isMultipleOf(higher, lower)).map(
    (higher) => [lower, higher] as const,
  ),
);

function directBars(trades: Trade[], timeframes: Timeframe[]): Bar[] {
  const agg = new TimeBarAggregator({ venue: 'binance', symbol: 'BTCUSDT', timeframes });
  const events = agg.pushAll(trades);
  return barsOf(agg.flush(events));
}

/** Exact on everything but vwap, which core's Bar can only carry as a rounded ratio. */
function expectSameBars(actual: Figures[], expected: Figures[]): void {
  expect(actual.map((bar) => ({ ...bar, vwap: 0 }))).toEqual(expected.map((bar) => ({ ...bar, vwap: 0 })));
  actual.forEach((bar, i) =>
    expect(Math.abs(bar.vwap - expected[i]!.vwap)).toBeLessThanOrEqual(1e-12 * bar.vwap),
  );
}

describe('rollup equals direct aggregation (property)', () => {
  it(`for every (lower, higher) pair where higher is a multiple: ${PAIRS.length} pairs`, () => {
    expect(PAIRS.length).toBeGreaterThan(80);
    fc.assert(
      fc.property(sortedTrades({ longGaps: true, maxTrades: 60 }), (trades) => {
        const bars = directBars(trades, [...TIMEFRAMES]);
        for (const [lower, higher] of PAIRS) {
          const rolled = rollup(
            bars.filter((bar) => bar.timeframe === lower),
            higher,
          );
          expectSameBars(rolled.map(figures), referenceBars(trades, utcInterval(higher)));
          expect(rolled.every((bar) => bar.timeframe === higher && bar.final && bar.revision === 0)).toBe(
            true,
          );
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('rollup rules (examples)', () => {
  const t0 = Date.parse('2024-03-01T10:00:00Z');
  const minute = (offset: number, close: number, extra: Partial<Bar> = {}): Bar => ({
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    start: t0 + offset * 60_000,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    trades: 1,
    vwap: close,
    final: true,
    revision: 0,
    quality: { score: 1, flags: [] },
    source: 'live',
    ...extra,
  });

  it('takes the highest revision of each bar, whatever the input order, and skips filled bars', () => {
    const revised = minute(1, 105, { revision: 1, trades: 2, volume: 2 });
    const filled = minute(2, 999, { trades: 0, volume: 0 });
    for (const bars of [
      [revised, minute(0, 100), minute(1, 101), filled],
      [filled, minute(1, 101), minute(0, 100), revised],
    ]) {
      expect(
        rollup(bars, '5m').map((bar) => [bar.open, bar.high, bar.close, bar.trades, bar.volume]),
      ).toEqual([[100, 105, 105, 3, 3]]);
    }
    expect(rollup([filled], '5m')).toEqual([]);
  });

  it('a higher bar is final only if all its bars are and it ends by `until`', () => {
    expect(rollup([minute(0, 1), minute(1, 1, { final: false })], '5m')[0]!.final).toBe(false);
    expect(rollup([minute(0, 1)], '5m', { until: t0 + 4 * 60_000 })[0]!.final).toBe(false);
    expect(rollup([minute(0, 1)], '5m', { until: t0 + 5 * 60_000 })[0]!.final).toBe(true);
  });

  it('refuses a target that is not a multiple, a mixed series, and a bar across a boundary', () => {
    expect(() => rollup([minute(0, 1)], '1s')).toThrow(AggregationError);
    expect(() => rollup([{ ...minute(0, 1), timeframe: '1w' }], '1M')).toThrow(
      '1M bars are not whole runs of 1w bars',
    );
    expect(() => rollup([{ ...minute(0, 1), timeframe: '1h' }], { kind: 'equity-day' })).toThrow(
      'not whole runs',
    );
    expect(() => rollup([minute(0, 1), { ...minute(1, 1), symbol: 'ETHUSDT' }], '5m')).toThrow(
      'rollup takes one series: binance:BTCUSDT 1m mixed with binance:ETHUSDT 1m',
    );
    expect(() => rollup([{ ...minute(4, 1), start: t0 + 4 * 60_000 + 30_000 }], '5m')).toThrow(
      'the 1m bar at 2024-03-01T10:04:30.000Z does not start on a 1m boundary',
    );
    const session = { ...minute(0, 1), timeframe: '30m' as const, start: Date.parse('2024-03-01T14:30:00Z') };
    expect(() =>
      rollup([{ ...session, end: session.start + 7 * 3_600_000 }], { kind: 'equity-day' }),
    ).toThrow('the 30m bar at 2024-03-01T14:30:00.000Z does not fit in one equity-day bar');
    expect(rollup([], '5m')).toEqual([]);
  });
});
