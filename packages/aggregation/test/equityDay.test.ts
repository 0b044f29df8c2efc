import fc from 'fast-check';
import { type Timeframe } from '@tickline/core';
import { TimeBarAggregator, rollup, type MissingEvent } from '@tickline/aggregation';
import { referenceBars, sessionInterval } from './reference';
import { barsOf, figures, sortedTrades, trade } from './streams';

const at = Date.parse;

function aggregate(trades: ReturnType<typeof trade>[], extended: boolean, extra: Timeframe[] = []) {
  const agg = new TimeBarAggregator({
    venue: 'alpaca',
    symbol: 'AAPL',
    timeframes: [{ kind: 'equity-day', extended }, ...extra],
  });
  const events = agg.flush(agg.pushAll(trades.map((t) => ({ ...t, venue: 'alpaca', symbol: 'AAPL' }))));
  return { agg, events, days: barsOf(events).filter((bar) => bar.end !== undefined) };
}

describe('US equity daily bars on the New York trading day', () => {
  // Thursday 2024-03-07 to Wednesday 2024-03-13: a weekend and the spring-forward DST switch.
  const week = sortedTrades({ start: at('2024-03-07T00:00:00Z'), maxTrades: 120 }).filter(
    (trades) => trades.at(-1)!.ts < at('2024-03-14T00:00:00Z'),
  );

  it.each([false, true])(
    'extended=%s: equal the reference, sessions only, outside trades counted (property)',
    (extended) => {
      fc.assert(
        fc.property(week, (trades) => {
          const { agg, days } = aggregate(trades, extended);
          const inside = sessionInterval(extended);
          expect(days.map(figures)).toEqual(referenceBars(trades, inside));
          expect(agg.stats().outsideSession).toBe(trades.filter((t) => Number.isNaN(inside(t.ts))).length);
        }),
        { numRuns: 60 },
      );
    },
  );

  it('rollup of 1m and 30m bars to equity days equals the direct daily bars (property)', () => {
    fc.assert(
      fc.property(week, fc.boolean(), (trades, extended) => {
        const { events, days } = aggregate(trades, extended, ['1m', '30m']);
        for (const lower of ['1m', '30m'] as const) {
          const rolled = rollup(
            barsOf(events).filter((bar) => bar.timeframe === lower),
            { kind: 'equity-day', extended },
          );
          expect(rolled.map((bar) => ({ ...figures(bar), vwap: 0, end: bar.end }))).toEqual(
            days.map((bar) => ({ ...figures(bar), vwap: 0, end: bar.end })),
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a bar starts at the session open (UTC ms), ends at the close, across the DST switch', () => {
    const trades = [
      trade(at('2024-03-08T14:29:59Z'), 10, 1, 'pre'), // Friday 09:29:59 EST: pre-market
      trade(at('2024-03-08T14:30:00Z'), 11, 1, 'open'),
      trade(at('2024-03-08T20:59:59Z'), 12, 1, 'last'),
      trade(at('2024-03-11T13:30:00Z'), 13, 1, 'mon'), // Monday 09:30 EDT
      trade(at('2024-03-11T20:00:00Z'), 14, 1, 'post'), // 16:00 EDT: after hours
    ];
    const regular = aggregate(trades, false);
    expect(
      regular.days.map((bar) => [
        new Date(bar.start).toISOString(),
        new Date(bar.end!).toISOString(),
        bar.timeframe,
        bar.trades,
      ]),
    ).toEqual([
      ['2024-03-08T14:30:00.000Z', '2024-03-08T21:00:00.000Z', '1d', 2],
      ['2024-03-11T13:30:00.000Z', '2024-03-11T20:00:00.000Z', '1d', 1],
    ]);
    expect(regular.agg.stats().outsideSession).toBe(2);
    const extended = aggregate(trades, true);
    expect(extended.days.map((bar) => [new Date(bar.start).toISOString(), bar.trades])).toEqual([
      ['2024-03-08T09:00:00.000Z', 3],
      ['2024-03-11T08:00:00.000Z', 2],
    ]);
  });

  it('a trade inside the session still counts when it arrives after one just past the close', () => {
    const trades = [
      trade(at('2024-03-11T20:00:00.500Z'), 10, 1, 'after-close'),
      trade(at('2024-03-11T19:59:59.900Z'), 11, 1, 'in-session'),
      trade(at('2024-03-11T20:00:01Z'), 12, 1, 'after-close-2'),
    ];
    const { agg, days } = aggregate(trades, false);
    expect(days.map((bar) => [new Date(bar.start).toISOString(), bar.trades])).toEqual([
      ['2024-03-11T13:30:00.000Z', 1],
    ]);
    expect(agg.stats().outsideSession).toBe(2);
  });

  it('a quiet instrument: advancing the watermark exactly to a close reports that session missing', () => {
    const agg = new TimeBarAggregator({
      venue: 'alpaca',
      symbol: 'AAPL',
      timeframes: [{ kind: 'equity-day' }],
    });
    agg.push({ ...trade(at('2024-03-07T15:00:00Z'), 10, 1, 'thu'), venue: 'alpaca', symbol: 'AAPL' });
    expect(agg.advanceTo(at('2024-03-08T20:59:59.999Z')).map((e) => e.kind)).toEqual(['final']);
    expect(agg.advanceTo(at('2024-03-08T21:00:00Z'))).toEqual([
      { kind: 'missing', timeframe: '1d', from: at('2024-03-08T14:30:00Z'), to: at('2024-03-08T21:00:00Z') },
    ]);
  });

  it('reports sessions without trades as missing, skipping the weekend', () => {
    const trades = [
      trade(at('2024-03-07T15:00:00Z'), 10, 1, 'thu'),
      trade(at('2024-03-12T15:00:00Z'), 11, 1, 'tue'),
    ];
    const { events } = aggregate(trades, false);
    const missing = events.filter((e): e is MissingEvent => e.kind === 'missing');
    expect(missing).toEqual([
      { kind: 'missing', timeframe: '1d', from: at('2024-03-08T14:30:00Z'), to: at('2024-03-11T20:00:00Z') },
    ]);
  });
});
