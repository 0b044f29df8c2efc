import fc from 'fast-check';
import { QUALITY_FLAG_CODES, type Bar } from '@tickline/core';
import {
  DEFAULT_QUALITY_RULES as R,
  medianOf,
  RunningNorm,
  TimeBarAggregator,
  scoreBar,
  type BarEvidence,
  type NormStats,
} from '@tickline/aggregation';
import { barsOf, trade } from './streams';

const START = Date.parse('2024-03-01T10:00:00Z');
const END = START + 60_000;

function bar(fields: Partial<Bar> = {}): Bar {
  return {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    start: START,
    open: 100,
    high: 101,
    low: 99,
    close: 100.5,
    volume: 10,
    trades: 50,
    vwap: 100.2,
    final: true,
    revision: 0,
    quality: { score: 1, flags: [] },
    source: 'live',
    ...fields,
  };
}

/** A norm of `samples` values around `median`, spread by `mad`. */
const norm = (median: number, mad = 0, samples = 50): NormStats => ({ samples, median, mad });
const evidence = (fields: Partial<BarEvidence> = {}): BarEvidence => ({ end: END, ...fields });
const codes = (b: Bar, e: BarEvidence) => scoreBar(b, e).flags.map((f) => f.code);

describe('scoreBar rules: each triggers, and each has a case that does not', () => {
  it('a clean bar with no evidence scores 1 without flags', () => {
    expect(scoreBar(bar(), evidence())).toEqual({ score: 1, flags: [] });
  });

  it('gap: penalty grows with the share of the bar the feed gaps cover, merged and clipped', () => {
    const half = scoreBar(bar(), evidence({ gaps: [{ from: START - 5000, to: START + 30_000 }] }));
    expect(half.flags).toEqual([
      {
        code: 'gap',
        penalty: R.gapBase + R.gapPerCoverage * 0.5,
        detail: 'feed gap over 30000 ms (50.00% of the bar)',
      },
    ]);
    const overlapping = [
      { from: START, to: START + 20_000 },
      { from: START + 10_000, to: START + 30_000 },
    ];
    expect(scoreBar(bar(), evidence({ gaps: overlapping })).flags[0]!.penalty).toBe(half.flags[0]!.penalty);
    expect(codes(bar(), evidence({ gaps: [{ from: END, to: END + 1000 }] }))).toEqual([]);
  });

  it('trade count: far below or above the instrument norm, never with too few samples', () => {
    expect(codes(bar({ trades: 2 }), evidence({ tradeNorm: norm(50, 5) }))).toEqual(['trade_count_low']);
    expect(codes(bar({ trades: 500 }), evidence({ tradeNorm: norm(50, 5) }))).toEqual(['trade_count_high']);
    expect(codes(bar({ trades: 40 }), evidence({ tradeNorm: norm(50, 5) }))).toEqual([]);
    expect(codes(bar({ trades: 2 }), evidence({ tradeNorm: norm(50, 5, R.normMinSamples - 1) }))).toEqual([]);
    // A constant norm (MAD 0) still allows Poisson noise: 50 ± 4·√50.
    expect(codes(bar({ trades: 30 }), evidence({ tradeNorm: norm(50, 0) }))).toEqual([]);
  });

  it('outlier: a wick or a jump from the previous close far beyond the typical range', () => {
    const typical = norm(Math.log(101 / 99), 0.001);
    expect(codes(bar({ high: 130 }), evidence({ rangeNorm: typical }))).toEqual(['outlier']);
    expect(codes(bar(), evidence({ rangeNorm: typical, previousClose: 70 }))).toEqual(['outlier']);
    expect(codes(bar({ high: 102 }), evidence({ rangeNorm: typical, previousClose: 100.4 }))).toEqual([]);
  });

  it('out of order and duplicates: penalty by their share of the trades, capped', () => {
    const flags = scoreBar(bar(), evidence({ outOfOrder: 5, duplicates: 50 })).flags;
    expect(flags).toEqual([
      expect.objectContaining({ code: 'out_of_order', penalty: R.outOfOrderPerShare * 0.1 }),
      expect.objectContaining({ code: 'duplicate', penalty: R.duplicateMax * 1 }),
    ]);
    expect(codes(bar(), evidence({ outOfOrder: 0, duplicates: 0 }))).toEqual([]);
  });

  it('stale: a long silence where the norm expected trades; not for a thin instrument', () => {
    expect(codes(bar(), evidence({ maxSilenceMs: 40_000, tradeNorm: norm(50, 5) }))).toEqual(['stale']);
    expect(codes(bar({ trades: 3 }), evidence({ maxSilenceMs: 40_000, tradeNorm: norm(3, 1) }))).toEqual([]);
    expect(codes(bar(), evidence({ maxSilenceMs: 10_000, tradeNorm: norm(50, 5) }))).toEqual([]);
  });

  it('ohlc: high below open/close, low above, vwap outside the range (provider bars)', () => {
    expect(codes(bar({ high: 100.2 }), evidence())).toEqual(['ohlc']);
    expect(codes(bar({ low: 100.1 }), evidence())).toEqual(['ohlc']);
    expect(codes(bar({ vwap: 120 }), evidence())).toEqual(['ohlc']);
  });

  it('second source: prices beyond 0.1% and volume beyond 5% are separate flags', () => {
    const ref = { source: 'alpaca-bars', open: 100, high: 101, low: 99, close: 100.5, volume: 10 };
    expect(codes(bar(), evidence({ reference: ref }))).toEqual([]);
    expect(codes(bar(), evidence({ reference: { ...ref, close: 101 } }))).toEqual(['source_price']);
    expect(codes(bar(), evidence({ reference: { ...ref, volume: 12 } }))).toEqual(['source_volume']);
  });

  it('filled: a flat bar without trades is marked and penalised; rules can be overridden', () => {
    expect(scoreBar(bar({ trades: 0, volume: 0 }), evidence({ filled: true })).score).toBe(
      1 - R.filledPenalty,
    );
    expect(scoreBar(bar(), evidence({ filled: true }), { filledPenalty: 0 }).score).toBe(1);
  });
});

describe('scoreBar properties', () => {
  const anyEvidence = fc.record({
    gaps: fc.array(fc.record({ from: fc.integer({ min: START - 60_000, max: END }), len: fc.nat(90_000) }), {
      maxLength: 4,
    }),
    tradeNorm: fc.option(fc.record({ samples: fc.nat(60), median: fc.nat(200), mad: fc.nat(50) }), {
      nil: undefined,
    }),
    rangeNorm: fc.option(
      fc.record({
        samples: fc.nat(60),
        median: fc.double({ min: 0, max: 0.05, noNaN: true }),
        mad: fc.constant(0),
      }),
      { nil: undefined },
    ),
    previousClose: fc.option(fc.double({ min: 50, max: 150, noNaN: true }), { nil: undefined }),
    outOfOrder: fc.nat(100),
    duplicates: fc.nat(100),
    maxSilenceMs: fc.nat(60_000),
    filled: fc.boolean(),
    refPrice: fc.option(fc.double({ min: 90, max: 110, noNaN: true }), { nil: undefined }),
  });
  const anyBar = fc
    .record({
      o: fc.double({ min: 90, max: 110, noNaN: true }),
      c: fc.double({ min: 90, max: 110, noNaN: true }),
      h: fc.double({ min: 85, max: 130, noNaN: true }),
      l: fc.double({ min: 70, max: 115, noNaN: true }),
      trades: fc.nat(500),
      volume: fc.double({ min: 0, max: 100, noNaN: true }),
    })
    .map(({ o, c, h, l, trades, volume }) =>
      bar({ open: o, close: c, high: h, low: l, trades, volume, vwap: (o + c) / 2 }),
    );

  it('every point lost is a flag: 1 - score = min(1, Σ penalties); penalties in [0, 1]; known codes', () => {
    fc.assert(
      fc.property(anyBar, anyEvidence, (b, e) => {
        const { gaps, refPrice, ...rest } = e;
        const reference =
          refPrice === undefined
            ? undefined
            : { source: 'ref', open: refPrice, high: refPrice, low: refPrice, close: refPrice, volume: 10 };
        const quality = scoreBar(b, {
          ...rest,
          end: END,
          gaps: gaps.map(({ from, len }) => ({ from, to: from + len + 1 })),
          ...(reference === undefined ? {} : { reference }),
        });
        const lost = quality.flags.reduce((sum, f) => sum + f.penalty, 0);
        expect(quality.score).toBeGreaterThanOrEqual(0);
        expect(quality.score).toBeLessThanOrEqual(1);
        expect(1 - quality.score).toBeCloseTo(Math.min(1, lost), 12);
        for (const f of quality.flags) {
          expect(f.penalty).toBeGreaterThanOrEqual(0);
          expect(f.penalty).toBeLessThanOrEqual(1);
          expect(QUALITY_FLAG_CODES).toContain(f.code);
          expect(f.detail).toEqual(expect.any(String));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('quality in the aggregator', () => {
  it('final bars carry flags from the evidence provider (feed gaps) and their own counts', () => {
    const t0 = START;
    const agg = new TimeBarAggregator({
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframes: ['1m'],
      evidence: (b) =>
        b.start === t0 ? { gaps: [{ from: t0 + 10_000, to: t0 + 25_000, cause: 'reconnect' }] } : {},
    });
    const events = agg.pushAll([
      trade(t0 + 5000, 100, 1, 'a'),
      trade(t0 + 4000, 100, 1, 'b'),
      trade(t0 + 5000, 100, 1, 'a'),
      trade(t0 + 65_000, 100, 1, 'c'),
    ]);
    const [first] = barsOf(events);
    expect(first!.quality.flags.map((f) => f.code)).toEqual(['gap', 'out_of_order', 'duplicate']);
    const lost = first!.quality.flags.reduce((sum, f) => sum + f.penalty, 0);
    expect(first!.quality.score).toBeCloseTo(1 - lost, 12);
    // Partial bars are not scored yet.
    expect(agg.partials()[0]!.kind === 'partial' && agg.partials()[0]).toMatchObject({
      bar: { quality: { flags: [] } },
    });
  });

  it('the trade-count norm learns from final bars: a sudden drop is flagged', () => {
    const agg = new TimeBarAggregator({ venue: 'binance', symbol: 'BTCUSDT', timeframes: ['1m'] });
    const trades = [];
    for (let minute = 0; minute < 30; minute++) {
      const n = minute === 25 ? 1 : 40;
      for (let i = 0; i < n; i++)
        trades.push(trade(START + minute * 60_000 + i * 1000, 100, 1, `${minute}-${i}`));
    }
    const bars = barsOf(agg.pushAll(trades));
    expect(bars[25]!.quality.flags.map((f) => f.code)).toEqual(['trade_count_low', 'stale']);
    expect(bars[24]!.quality.flags).toEqual([]);
  });

  it('RunningNorm: median and MAD over the last window of values', () => {
    const n = new RunningNorm(5);
    for (const v of [100, 1, 2, 3, 4, 5]) n.add(v);
    expect(n.stats()).toEqual({ samples: 5, median: 3, mad: 1 });
    expect(RunningNorm.from(n.state(), 5).stats()).toEqual(n.stats());
  });

  it('RunningNorm: stats keep describing the norm as it was when taken', () => {
    const n = new RunningNorm(5);
    for (const v of [1, 2, 3, 4, 5]) n.add(v);
    const before = n.stats();
    n.add(100);
    n.add(200);
    expect(before).toEqual({ samples: 5, median: 3, mad: 1 });
    expect(n.stats()).toEqual({ samples: 5, median: 5, mad: 2 });
  });
});

describe('RunningNorm against a sort', () => {
  it('median and MAD equal the naive computation over the last window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 12 }),
        (values, window) => {
          const norm = new RunningNorm(window);
          for (const v of values) norm.add(v);
          const kept = values.slice(-window);
          const median = medianOf(kept);
          const mad = medianOf(kept.map((v) => Math.abs(v - median)));
          expect(norm.stats()).toEqual({ samples: kept.length, median, mad });
        },
      ),
    );
  });
});
