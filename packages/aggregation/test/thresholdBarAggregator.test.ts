import fc from 'fast-check';
import { type Trade } from '@tickline/core';
import { ThresholdBarAggregator, type ThresholdBar, type ThresholdSpec } from '@tickline/aggregation';
import { referenceThresholdBars } from './reference';
import { arrivals, barsOf, figures, sortedTrades, trade } from './streams';

function aggregate(spec: ThresholdSpec, trades: Trade[]) {
  const agg = new ThresholdBarAggregator({ venue: 'binance', symbol: 'BTCUSDT', spec });
  const events = agg.pushAll(trades);
  agg.flush(events);
  return { agg, events, bars: barsOf<ThresholdBar>(events) };
}

const sum = (group: Trade[], of: (t: Trade) => number) => group.reduce((total, t) => total + of(t), 0);

const specs = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map((trades): ThresholdSpec => ({ kind: 'tick', trades })),
  fc
    .integer({ min: 1, max: 2000 })
    .map((eighths): ThresholdSpec => ({ kind: 'volume', volume: eighths / 8 })),
  fc
    .integer({ min: 1, max: 400_000 })
    .map((cents): ThresholdSpec => ({ kind: 'dollar', notional: cents / 4 })),
);

/** The reference's closing rule, written from the spec alone. */
function reached(spec: ThresholdSpec) {
  switch (spec.kind) {
    case 'tick':
      return (group: Trade[]) => group.length >= spec.trades;
    case 'volume':
      return (group: Trade[]) => sum(group, (t) => t.size) >= spec.volume;
    case 'dollar':
      return (group: Trade[]) => sum(group, (t) => t.price * t.size) >= spec.notional;
  }
}

describe('ThresholdBarAggregator against the naive reference (properties)', () => {
  const input = fc.record({
    spec: specs,
    stream: sortedTrades().chain((sorted) => arrivals(sorted)),
  });

  it('tick, volume and dollar bars from reordered streams with duplicates equal the reference', () => {
    fc.assert(
      fc.property(input, ({ spec, stream }) => {
        const { bars, events } = aggregate(spec, stream);
        expect(bars.map(figures)).toEqual(referenceThresholdBars(stream, reached(spec)));
        // Only copies may be rejected (as too late, once their id is forgotten): never an original.
        const rejected = events.flatMap((e) => (e.kind === 'rejected' ? [e.trade] : []));
        for (const copy of rejected)
          expect(stream.indexOf(copy)).toBeGreaterThan(stream.findIndex((t) => t.id === copy.id));
      }),
      { numRuns: 200 },
    );
  });

  it('every bar but the last reaches its threshold; the last is flagged incomplete only when it does not', () => {
    fc.assert(
      fc.property(input, ({ spec, stream }) => {
        const { bars } = aggregate(spec, stream);
        const complete = (bar: ThresholdBar) =>
          spec.kind === 'tick'
            ? bar.trades >= spec.trades
            : spec.kind === 'volume'
              ? bar.volume >= spec.volume
              : bar.vwap * bar.volume >= spec.notional * (1 - 1e-12);
        bars.forEach((bar, i) => {
          const incomplete = bar.quality.flags.some((flag) => flag.code === 'incomplete');
          expect(incomplete).toBe(!complete(bar));
          if (i < bars.length - 1) expect(incomplete).toBe(false);
          expect(bar.start).toBeLessThan(bar.end);
          expect(bar.spec).toEqual(spec);
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe('ThresholdBarAggregator rules (examples)', () => {
  const t0 = Date.parse('2024-03-01T10:00:00Z');

  it('the trade that crosses the threshold completes the bar whole: no splitting', () => {
    const { bars } = aggregate({ kind: 'volume', volume: 10 }, [
      trade(t0, 100, 4, 'a'),
      trade(t0 + 1, 101, 9, 'b'),
      trade(t0 + 2, 102, 1, 'c'),
    ]);
    expect(bars.map((bar) => [bar.volume, bar.trades, bar.start - t0, bar.end - t0])).toEqual([
      [13, 2, 0, 2],
      [1, 1, 2, 3],
    ]);
  });

  it('a bar closes on reaching its threshold exactly, for each kind', () => {
    const trades = [trade(t0, 2, 4, 'a'), trade(t0 + 1, 3, 6, 'b'), trade(t0 + 2, 1, 1, 'c')];
    for (const spec of [
      { kind: 'tick', trades: 2 },
      { kind: 'volume', volume: 10 },
      { kind: 'dollar', notional: 26 },
    ] as ThresholdSpec[]) {
      expect(aggregate(spec, trades).bars.map((bar) => bar.trades)).toEqual([2, 1]);
    }
  });

  it('holds trades until the watermark passes them, then rejects what arrives behind it', () => {
    const agg = new ThresholdBarAggregator({
      venue: 'binance',
      symbol: 'BTCUSDT',
      spec: { kind: 'tick', trades: 2 },
    });
    expect(agg.pushAll([trade(t0 + 1000, 100, 1, 'a'), trade(t0, 99, 1, 'b')])).toEqual([]);
    expect(agg.partials()).toEqual([]);
    const events = agg.push(trade(t0 + 3001, 101, 1, 'c'));
    expect(barsOf<ThresholdBar>(events).map((bar) => [bar.open, bar.close])).toEqual([[99, 100]]);
    const late = agg.push(trade(t0 + 1000, 50, 1, 'd'));
    expect(late.map((e) => 'reason' in e && e.reason)).toEqual(['too-late']);
    expect(agg.advanceTo(t0 + 3002)).toEqual([]);
    expect(agg.partials().map((e) => e.kind)).toEqual(['partial']);
    expect(agg.stats()).toEqual({ accepted: 3, duplicates: 0, rejected: 1, outsideSession: 0 });
  });

  it('refuses a threshold that is not positive (or not whole, for ticks)', () => {
    const make = (spec: ThresholdSpec) => () =>
      new ThresholdBarAggregator({ venue: 'binance', symbol: 'X', spec });
    expect(make({ kind: 'tick', trades: 1.5 })).toThrow(
      'tick bar threshold must be a positive whole number, got 1.5',
    );
    expect(make({ kind: 'dollar', notional: 0 })).toThrow(
      'dollar bar threshold must be a positive number, got 0',
    );
    expect(make({ kind: 'volume', volume: NaN })).toThrow('got NaN');
  });
});
