import fc from 'fast-check';
import { type Timeframe, type Trade } from '@tickline/core';
import {
  AggregationError,
  TimeBarAggregator,
  type AggregationEvent,
  type MissingEvent,
} from '@tickline/aggregation';
import { referenceBars, utcInterval, type Figures } from './reference';
import { arrivals, barsOf, figures, latest, sortedTrades, trade } from './streams';

const TIMEFRAMES: Timeframe[] = ['1s', '5s', '1m', '5m', '1h', '1d', '1w', '1M'];
const at = Date.parse;

function aggregator(options: { fill?: boolean; timeframes?: Timeframe[] } = {}) {
  return new TimeBarAggregator({
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframes: options.timeframes ?? TIMEFRAMES,
    fill: options.fill ?? false,
  });
}

function run(trades: Trade[], options: { fill?: boolean; timeframes?: Timeframe[] } = {}) {
  const agg = aggregator(options);
  const events = agg.pushAll(trades);
  agg.flush(events);
  return { agg, events };
}

function finals(events: AggregationEvent[], tf: Timeframe): Figures[] {
  return barsOf(events)
    .filter((bar) => bar.timeframe === tf && bar.trades > 0)
    .map(figures)
    .sort((a, b) => a.start - b.start);
}

/** The empty stretches between consecutive bars, merged. */
function gapsBetween(bars: Figures[], tf: Timeframe): { from: number; to: number }[] {
  const gaps: { from: number; to: number }[] = [];
  for (let i = 1; i < bars.length; i++) {
    const from = nextStart(tf, bars[i - 1]!.start);
    if (bars[i]!.start > from) gaps.push({ from, to: bars[i]!.start });
  }
  return gaps;
}

function nextStart(tf: Timeframe, start: number): number {
  // A month's end from the calendar; the rest from the timeframe's fixed length.
  if (tf === '1M') {
    const d = new Date(start);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  const lengths: Partial<Record<Timeframe, number>> = {
    '1s': 1e3,
    '5s': 5e3,
    '1m': 6e4,
    '5m': 3e5,
    '1h': 36e5,
    '1d': 864e5,
    '1w': 7 * 864e5,
  };
  return start + lengths[tf]!;
}

function missing(events: AggregationEvent[], tf: Timeframe): { from: number; to: number }[] {
  const merged: { from: number; to: number }[] = [];
  const pieces = events.filter((e): e is MissingEvent => e.kind === 'missing' && e.timeframe === tf);
  for (const { from, to } of pieces.sort((a, b) => a.from - b.from)) {
    const last = merged.at(-1);
    if (last !== undefined && last.to === from) last.to = to;
    else merged.push({ from, to });
  }
  return merged;
}

describe('TimeBarAggregator against the naive reference (properties)', () => {
  const stream = (longGaps: boolean) =>
    sortedTrades({ longGaps }).chain((sorted) => arrivals(sorted).map((order) => ({ sorted, order })));

  it('duplicates and reordering within the lateness give exactly the reference bars, no revisions', () => {
    fc.assert(
      fc.property(stream(true), ({ order }) => {
        const { events } = run(order);
        for (const tf of TIMEFRAMES)
          expect(finals(events, tf)).toEqual(referenceBars(order, utcInterval(tf)));
        expect(events.filter((e) => e.kind === 'revision')).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('every duplicate is counted once; a duplicate past the window is rejected as too late, never added', () => {
    fc.assert(
      fc.property(stream(true), ({ sorted, order }) => {
        const { agg, events } = run(order);
        const rejected = events.flatMap((e) => (e.kind === 'rejected' ? [e] : []));
        expect(rejected.map((e) => e.reason)).toEqual(rejected.map(() => 'too-late'));
        const stats = agg.stats();
        expect(stats.accepted).toBe(sorted.length);
        expect(stats.duplicates + stats.rejected).toBe(order.length - sorted.length);
      }),
      { numRuns: 100 },
    );
  });

  it('reports exactly the empty intervals between bars as missing', () => {
    fc.assert(
      fc.property(stream(true), ({ order }) => {
        const { events } = run(order);
        for (const tf of TIMEFRAMES) {
          expect(missing(events, tf)).toEqual(gapsBetween(referenceBars(order, utcInterval(tf)), tf));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('with fill, every empty interval gets a flat bar at the previous close, flagged filled', () => {
    const fast: Timeframe[] = ['5s', '1m', '5m'];
    fc.assert(
      fc.property(stream(false), ({ order }) => {
        const { events } = run(order, { fill: true, timeframes: fast });
        for (const tf of fast) {
          const expected: (Figures & { filled: boolean })[] = [];
          for (const bar of referenceBars(order, utcInterval(tf))) {
            const previous = expected.at(-1);
            if (previous !== undefined) {
              const close = previous.close;
              for (
                let start = nextStart(tf, previous.start);
                start < bar.start;
                start = nextStart(tf, start)
              ) {
                expected.push({
                  start,
                  open: close,
                  high: close,
                  low: close,
                  close,
                  volume: 0,
                  trades: 0,
                  vwap: close,
                  filled: true,
                });
              }
            }
            expected.push({ ...bar, filled: false });
          }
          const bars = barsOf(events).filter((bar) => bar.timeframe === tf);
          const filled = (bar: { quality: { flags: { code: string }[] } }) =>
            bar.quality.flags.some((f) => f.code === 'filled');
          expect(bars.map((bar) => ({ ...figures(bar), filled: filled(bar) }))).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a late trade within the window gives revision + 1, equal to the reference with that trade', () => {
    const input = sortedTrades({ maxTrades: 60 }).chain((sorted) =>
      fc.record({ sorted: fc.constant(sorted), late: fc.nat(sorted.length - 1) }),
    );
    let revised = 0;
    fc.assert(
      fc.property(input, ({ sorted, late }) => {
        const lateTrade = sorted[late]!;
        const agg = aggregator({ timeframes: ['1s', '1m', '5m', '1h'] });
        const arrival = [...sorted.filter((t) => t !== lateTrade), lateTrade];
        const before = agg.pushAll(arrival.slice(0, -1));
        if (lateTrade.ts < agg.watermark - 3_600_000) return; // too late: the next test's case
        const finalBefore = new Map(['1s', '1m', '5m', '1h'].map((tf) => [tf, latest(before, tf)]));
        const watermark = agg.watermark;
        const after = agg.push(lateTrade);
        for (const tf of ['1s', '1m', '5m', '1h'] as Timeframe[]) {
          const start = utcInterval(tf)(lateTrade.ts);
          const previous = finalBefore.get(tf)!.find((bar) => bar.start === start);
          const published = barsOf(after, ['final', 'revision']).filter(
            (bar) => bar.timeframe === tf && bar.start === start,
          );
          if (nextStart(tf, start) > watermark) {
            // Its bar was still open: the trade simply joined it.
            expect(published).toEqual([]);
            continue;
          }
          const expected = referenceBars(arrival, utcInterval(tf)).find((bar) => bar.start === start);
          expect(published.map(figures)).toEqual([expected]);
          expect(published[0]).toMatchObject({
            final: true,
            revision: previous === undefined ? 0 : previous.revision + 1,
          });
          if (previous !== undefined) revised++;
        }
        agg.flush(after);
        for (const tf of ['1s', '1m', '5m', '1h'] as Timeframe[]) {
          expect(latest([...before, ...after], tf).map(figures)).toEqual(
            referenceBars(arrival, utcInterval(tf)),
          );
        }
      }),
      { numRuns: 200 },
    );
    // Not vacuous: many runs did revise a final bar.
    expect(revised).toBeGreaterThan(50);
  });
});

describe('TimeBarAggregator rules (examples)', () => {
  const t0 = at('2024-03-01T10:00:00Z');

  it('a bar becomes final once the watermark (max time - 2 s) reaches its end, not before', () => {
    const agg = aggregator({ timeframes: ['1m'] });
    expect(agg.push(trade(t0 + 10_000, 100, 1, 'a'))).toEqual([]);
    expect(agg.push(trade(t0 + 61_999, 101, 1, 'b'))).toEqual([]);
    const events = agg.push(trade(t0 + 62_000, 102, 1, 'c'));
    expect(events.map((e) => e.kind)).toEqual(['final']);
    expect(figures(barsOf(events)[0]!)).toEqual({
      start: t0,
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      volume: 1,
      trades: 1,
      vwap: 100,
    });
    expect(agg.watermark).toBe(t0 + 60_000);
  });

  it('too late: more than the revision window behind the watermark, rejected with a reason, bars unchanged', () => {
    const agg = aggregator({ timeframes: ['1m', '1d'] });
    agg.push(trade(t0, 100, 1, 'a'));
    agg.push(trade(t0 + 2 * 3_600_000, 100, 1, 'b'));
    const old = trade(t0 + 2 * 3_600_000 - 2000 - 3_600_000 - 1, 50, 1, 'c');
    const events = agg.push(old);
    expect(events).toEqual([expect.objectContaining({ kind: 'rejected', reason: 'too-late', trade: old })]);
    expect((events[0] as { detail: string }).detail).toMatch(/3600001 ms behind the watermark/);
    const edge = trade(old.ts + 1, 60, 1, 'd');
    expect(agg.push(edge).map((e) => e.kind)).toEqual(['final']);
    expect(agg.stats()).toEqual({ accepted: 3, duplicates: 0, rejected: 1, outsideSession: 0 });
  });

  it('a duplicate of a final bar’s trade is not a revision', () => {
    const agg = aggregator({ timeframes: ['1m'] });
    agg.pushAll([trade(t0, 100, 1, 'a'), trade(t0 + 120_000, 100, 1, 'b')]);
    expect(agg.push(trade(t0, 100, 1, 'a'))).toEqual([]);
    expect(agg.stats().duplicates).toBe(1);
  });

  it('finds duplicates in a busy second, before and after its ids are indexed', () => {
    const agg = aggregator({ timeframes: ['1m'] });
    const busy = (prefix: string) =>
      Array.from({ length: 40 }, (_, i) => trade(t0 + 500 + i, 100, 1, `${prefix}${i}`));
    agg.pushAll([trade(t0 + 100, 100, 1, 'first'), ...busy('a'), trade(t0 + 1500, 100, 1, 'newer')]);
    agg.pushAll([...busy('a')].reverse());
    expect(agg.stats()).toMatchObject({ accepted: 42, duplicates: 40 });
    agg.pushAll([...busy('b'), ...busy('b'), trade(t0 + 100, 100, 1, 'first')]);
    expect(agg.stats()).toMatchObject({ accepted: 82, duplicates: 81 });
  });

  it('forgets ids once no trade carrying them could be accepted (bounded memory)', () => {
    const window = 60_000;
    const agg = new TimeBarAggregator({
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframes: ['1m'],
      revisionWindowMs: window,
    });
    for (let i = 0; i < 200; i++) agg.push(trade(t0 + i * 1000, 100, 1, `x${i}`));
    const gate = (agg as unknown as { gate: { rememberedIds: number } }).gate;
    // Watermark t0 + 197 s: trades before t0 + 137 s are too late; ids go by whole minutes, so the
    // first two minutes are forgotten and the third (t0 + 120 s on) is still remembered.
    expect(gate.rememberedIds).toBe(80);
    expect(agg.push(trade(t0 + 120_000, 100, 1, 'x120'))).toEqual([]);
    const late = agg.push(trade(t0 + 119_000, 100, 1, 'x119'));
    expect(late.map((e) => 'reason' in e && e.reason)).toEqual(['too-late']);
    expect(agg.stats()).toMatchObject({ accepted: 200, duplicates: 1, rejected: 1 });
    agg.advanceTo(t0 + 240_000 + window); // the end of the last minute with ids
    expect(gate.rememberedIds).toBe(0);
  });

  it('advanceTo finalizes a quiet instrument and reports (and fills) the empty minutes', () => {
    const agg = aggregator({ timeframes: ['1m'], fill: true });
    agg.push(trade(t0 + 5_000, 100, 1, 'a'));
    expect(agg.advanceTo(t0 + 59_999)).toEqual([]);
    const events = agg.advanceTo(t0 + 3 * 60_000 + 30_000);
    expect(events.map((e) => e.kind)).toEqual(['final', 'missing', 'final', 'final']);
    expect(events[1]).toEqual({ kind: 'missing', timeframe: '1m', from: t0 + 60_000, to: t0 + 180_000 });
    expect(barsOf(events).map((bar) => [bar.start, bar.close, bar.volume])).toEqual([
      [t0, 100, 1],
      [t0 + 60_000, 100, 0],
      [t0 + 120_000, 100, 0],
    ]);
    expect(agg.advanceTo(t0)).toEqual([]); // never back
  });

  it('a late trade in a filled minute revises it and re-prices the fills after it', () => {
    const agg = aggregator({ timeframes: ['1m'], fill: true });
    agg.pushAll([trade(t0, 100, 1, 'a'), trade(t0 + 4 * 60_000, 100, 1, 'b')]);
    agg.advanceTo(t0 + 4 * 60_000);
    const events = agg.push(trade(t0 + 60_000 + 1, 90, 2, 'late'));
    expect(
      barsOf(events, ['final', 'revision']).map((bar) => [
        bar.start - t0,
        bar.close,
        bar.trades,
        bar.revision,
      ]),
    ).toEqual([
      [60_000, 90, 1, 1],
      [120_000, 90, 0, 1],
      [180_000, 90, 0, 1],
    ]);
    // No longer filled; the late trade itself arrived out of order.
    expect(barsOf(events, ['revision'])[0]!.quality.flags.map((f) => f.code)).toEqual(['out_of_order']);
  });

  it('a late trade in an unfilled empty interval publishes that bar as final, revision 0', () => {
    const agg = aggregator({ timeframes: ['1m'] });
    agg.pushAll([trade(t0, 100, 1, 'a'), trade(t0 + 4 * 60_000, 100, 1, 'b')]);
    const events = agg.push(trade(t0 + 60_000, 90, 2, 'late'));
    expect(events.map((e) => e.kind)).toEqual(['final']);
    expect(barsOf(events)[0]).toMatchObject({ start: t0 + 60_000, revision: 0, final: true, close: 90 });
  });

  it('partials show the open bars; flush makes them final; trades after flush revise', () => {
    const agg = aggregator({ timeframes: ['1m', '1h'] });
    agg.pushAll([trade(t0, 100, 1, 'a'), trade(t0 + 1000, 101, 1, 'b')]);
    expect(
      agg.partials().map((e) => [e.kind, 'bar' in e && e.bar.timeframe, 'bar' in e && e.bar.final]),
    ).toEqual([
      ['partial', '1m', false],
      ['partial', '1h', false],
    ]);
    expect(agg.flush().map((e) => e.kind)).toEqual(['final', 'final']);
    expect(agg.partials()).toEqual([]);
    expect(agg.push(trade(t0 + 2000, 99, 1, 'c')).map((e) => 'bar' in e && [e.kind, e.bar.revision])).toEqual(
      [
        ['revision', 1],
        ['revision', 1],
      ],
    );
  });

  it('rejects a trade of another instrument and one stamped far ahead of its receive time', () => {
    const agg = aggregator({ timeframes: ['1m'] });
    const other = { ...trade(t0, 1, 1, 'a'), symbol: 'ETHUSDT' };
    const future = { ...trade(t0, 1, 1, 'b'), recvTs: t0 - 60_001 };
    expect(agg.pushAll([other, future]).map((e) => 'reason' in e && e.reason)).toEqual([
      'other-instrument',
      'future',
    ]);
    expect(agg.watermark).toBe(-Infinity);
  });

  it('refuses two series writing the same timeframe, and no series at all', () => {
    const make = (timeframes: ('1d' | { kind: 'equity-day' })[]) => () =>
      new TimeBarAggregator({ venue: 'alpaca', symbol: 'AAPL', timeframes });
    expect(make(['1d', { kind: 'equity-day' }])).toThrow(AggregationError);
    expect(make(['1d', { kind: 'equity-day' }])).toThrow('timeframes 1d and equity-day both write 1d bars');
    expect(make([])).toThrow('at least one');
    expect(
      () =>
        new TimeBarAggregator({ venue: 'alpaca', symbol: 'AAPL', timeframes: ['1m'], allowedLatenessMs: -1 }),
    ).toThrow('allowedLatenessMs must be a finite number of ms >= 0, got -1');
  });

  it('months and weeks follow the calendar: Feb 2024 has 29 days, weeks start Monday', () => {
    const { events } = run(
      [
        at('2024-02-29T23:59:59.999Z'),
        at('2024-03-01T00:00:00Z'),
        at('2024-03-03T23:59:59Z'),
        at('2024-03-04T00:00:00Z'),
      ].map((ts, i) => trade(ts, 100 + i, 1, `m${i}`)),
      { timeframes: ['1w', '1M'] },
    );
    const starts = (tf: Timeframe) =>
      finals(events, tf).map((bar) => [new Date(bar.start).toISOString(), bar.trades]);
    expect(starts('1M')).toEqual([
      ['2024-02-01T00:00:00.000Z', 1],
      ['2024-03-01T00:00:00.000Z', 3],
    ]);
    expect(starts('1w')).toEqual([
      ['2024-02-26T00:00:00.000Z', 3],
      ['2024-03-04T00:00:00.000Z', 1],
    ]);
  });
});
