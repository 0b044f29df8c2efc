import fc from 'fast-check';
import { type Timeframe } from '@tickline/core';
import {
  AggregationError,
  TimeBarAggregator,
  type AggregationEvent,
  type TimeAggregatorState,
  type TimeBarAggregatorOptions,
} from '@tickline/aggregation';
import { columnsOf, feed, splitSteps, steps, streamOptions, trade } from './streams';

// The aggregator builds the finest series trade by trade and rolls the coarser ones up from its bars;
// a snapshot without `rolledFrom` (as written before) restores with every series built trade by trade.
// Both must publish the same bars, partials included.
const TIMEFRAMES: Timeframe[] = ['1s', '1m', '5m', '1h', '1d'];

const options = (fill: boolean) => streamOptions(TIMEFRAMES, fill);

/** An aggregator building every series trade by trade: a fresh snapshot stripped of its rollup layout. */
function tradeByTrade(opts: TimeBarAggregatorOptions): TimeBarAggregator {
  const state = new TimeBarAggregator(opts).snapshot();
  expect(state.lanes.slice(1).every((lane) => lane.rolledFrom === '1s')).toBe(true);
  for (const lane of state.lanes) delete lane.rolledFrom;
  return TimeBarAggregator.restore(opts, state);
}

/**
 * Events without quality: the longest silence of a rolled-up bar is measured in time order across the
 * finer bars (docs/quality.md), so only the stale flag may differ.
 */
function figuresOf(events: AggregationEvent[]) {
  return events.map((event) => {
    if (!('bar' in event)) return event;
    const { quality, ...bar } = event.bar;
    return { kind: event.kind, bar, flags: quality.flags.map((f) => f.code).filter((c) => c !== 'stale') };
  });
}

describe('rolled-up series equal series built trade by trade (property)', () => {
  it('same final bars, revisions, missing intervals, rejections and partials at any point', () => {
    fc.assert(
      fc.property(splitSteps, ({ input, fill, k }) => {
        const rolled = new TimeBarAggregator(options(fill));
        const direct = tradeByTrade(options(fill));
        const before = [feed(rolled, input.slice(0, k)), feed(direct, input.slice(0, k))];
        expect(figuresOf(before[0]!)).toEqual(figuresOf(before[1]!));
        expect(figuresOf(rolled.partials())).toEqual(figuresOf(direct.partials()));
        const after = [
          rolled.flush(feed(rolled, input.slice(k))),
          direct.flush(feed(direct, input.slice(k))),
        ];
        expect(figuresOf(after[0]!)).toEqual(figuresOf(after[1]!));
        expect(rolled.stats()).toEqual(direct.stats());
      }),
      { numRuns: 120 },
    );
  });

  it('a snapshot keeps the layout: restored, a rolled-up aggregator stays rolled up', () => {
    const agg = new TimeBarAggregator(options(false));
    agg.push(trade(Date.parse('2024-03-01T10:00:00Z'), 100, 1, 'a'));
    const state = JSON.parse(JSON.stringify(agg.snapshot())) as TimeAggregatorState;
    expect(TimeBarAggregator.restore(options(false), state).snapshot()).toEqual(agg.snapshot());
  });

  it('refuses a snapshot rolling a series up from one that is itself rolled up', () => {
    const state = new TimeBarAggregator(options(false)).snapshot();
    state.lanes[0]!.rolledFrom = '1m';
    expect(() => TimeBarAggregator.restore(options(false), state)).toThrow(AggregationError);
    expect(() => TimeBarAggregator.restore(options(false), state)).toThrow(
      'snapshot rolls series up from 1m, which it does not build directly',
    );
  });
});

describe('pushColumns equals push (property)', () => {
  it('the same events for the same trades, in slices of any size', () => {
    fc.assert(
      fc.property(steps(true), fc.nat(), (input, cutSeed) => {
        const trades = input.flatMap((step) => ('trade' in step ? [step.trade] : []));
        const byTrade = new TimeBarAggregator(options(false));
        const expected = byTrade.flush(byTrade.pushAll(trades));
        const byColumns = new TimeBarAggregator(options(false));
        const columns = columnsOf(trades);
        const cut = cutSeed % (trades.length + 1);
        const actual = byColumns.pushColumns(columns, 0, cut);
        byColumns.flush(byColumns.pushColumns(columns, cut, trades.length, actual));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('a rejected row becomes a Trade in its event; sale conditions apply per row', () => {
    const t0 = Date.parse('2024-03-04T15:00:00Z');
    const agg = new TimeBarAggregator({ venue: 'alpaca', symbol: 'AAPL', timeframes: ['1m'] });
    const odd = { ...trade(t0 + 1, 500, 10, 'odd'), venue: 'alpaca' as const, symbol: 'AAPL' };
    const regular = { ...odd, ts: t0 + 2, price: 100, id: 'regular' };
    const future = { ...regular, ts: t0 + 120_000, recvTs: t0, id: 'future' };
    const events = agg.pushColumns({
      ...columnsOf([regular, odd, future]),
      conditions: [undefined, ['I'], undefined],
    });
    expect(events).toEqual([
      expect.objectContaining({ kind: 'rejected', reason: 'future', trade: { ...future, side: 'buy' } }),
    ]);
    const bar = agg.flush()[0]!;
    expect('bar' in bar && [bar.bar.high, bar.bar.close, bar.bar.volume]).toEqual([100, 100, 20]);
  });
});
