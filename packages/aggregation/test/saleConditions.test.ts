import { type Trade } from '@tickline/core';
import {
  saleConditionUpdates,
  TimeBarAggregator,
  UPDATES_ALL,
  UPDATES_EXTREMES,
  UPDATES_VOLUME,
} from '@tickline/aggregation';
import { barsOf } from './streams';

const T0 = Date.parse('2024-03-01T15:00:00Z');

function equity(
  offset: number,
  price: number,
  size: number,
  id: string,
  conditions?: string[],
  tape = 'C',
): Trade {
  const trade: Trade = {
    venue: 'alpaca',
    symbol: 'AAPL',
    ts: T0 + offset,
    recvTs: T0 + offset,
    price,
    size,
    side: 'unknown',
    id,
    tape,
  };
  if (conditions !== undefined) trade.conditions = conditions;
  return trade;
}

/** The 1m bar of T0 built from a regular 100 @ 10 and 20 then the given trade in the middle. */
function minuteWith(trade: Trade, saleConditions = true) {
  const agg = new TimeBarAggregator({ venue: 'alpaca', symbol: 'AAPL', timeframes: ['1m'], saleConditions });
  agg.pushAll([equity(1000, 10, 100, 'r1', ['@']), trade, equity(50_000, 20, 100, 'r2', ['@'])]);
  const [bar] = barsOf(agg.flush());
  const { open, high, low, close, volume, trades } = bar!;
  return { open, high, low, close, volume, trades };
}

describe('US equity sale conditions (consolidated tape)', () => {
  const regularOnly = { open: 10, high: 20, low: 10, close: 20, volume: 200, trades: 2 };

  it.each([['@'], ['F'], ['O'], ['6'], ['X']])('regular-like %s updates everything', (code) => {
    expect(minuteWith(equity(2000, 30, 5, 'x', [code]))).toEqual({
      ...regularOnly,
      high: 30,
      volume: 205,
      trades: 3,
    });
    expect(minuteWith(equity(0, 5, 5, 'x', [code]))).toMatchObject({ open: 5, low: 5 });
  });

  it.each([['Z'], ['P'], ['4'], ['G']])(
    '%s (out of sequence, prior price, derivative) sets high/low and volume, not open/close',
    (code) => {
      expect(minuteWith(equity(0, 30, 5, 'x', [code]))).toEqual({
        ...regularOnly,
        high: 30,
        volume: 205,
        trades: 3,
      });
      expect(minuteWith(equity(59_000, 5, 5, 'x', [code]))).toEqual({
        ...regularOnly,
        low: 5,
        volume: 205,
        trades: 3,
      });
    },
  );

  it.each([['I'], ['T'], ['U'], ['W'], ['C'], ['7'], ['R']])(
    '%s (odd lot, extended hours, average price, ...) adds volume only',
    (code) => {
      expect(minuteWith(equity(0, 30, 5, 'x', [code]))).toEqual({ ...regularOnly, volume: 205, trades: 3 });
    },
  );

  it.each([['M'], ['Q'], ['9']])('%s (official open/close summary prints) changes nothing', (code) => {
    expect(minuteWith(equity(0, 30, 5, 'x', [code]))).toEqual(regularOnly);
  });

  it('several conditions: the most restrictive wins; unknown codes count as regular; B depends on the tape', () => {
    expect(saleConditionUpdates(['@', 'F', 'I'])).toBe(UPDATES_VOLUME);
    expect(saleConditionUpdates(['Z', 'I'])).toBe(UPDATES_VOLUME);
    expect(saleConditionUpdates(['@', 'Z'])).toBe(UPDATES_EXTREMES | UPDATES_VOLUME);
    expect(saleConditionUpdates(['?'])).toBe(UPDATES_ALL);
    expect(saleConditionUpdates(undefined)).toBe(UPDATES_ALL);
    expect(saleConditionUpdates(['B'], 'C')).toBe(UPDATES_ALL);
    expect(saleConditionUpdates(['B'], 'A')).toBe(UPDATES_VOLUME);
  });

  it('can be switched off, and trades without conditions (crypto) are regular', () => {
    expect(minuteWith(equity(0, 30, 5, 'x', ['I']), false)).toMatchObject({ open: 30, high: 30, trades: 3 });
    expect(minuteWith(equity(0, 30, 5, 'x'))).toMatchObject({ open: 30, high: 30, trades: 3 });
  });

  it('a bar of volume-only trades takes its prices from their vwap', () => {
    const agg = new TimeBarAggregator({ venue: 'alpaca', symbol: 'AAPL', timeframes: ['1m'] });
    agg.pushAll([equity(0, 10, 1, 'a', ['I']), equity(1000, 20, 3, 'b', ['I'])]);
    expect(barsOf(agg.flush())[0]).toMatchObject({
      open: 17.5,
      high: 17.5,
      low: 17.5,
      close: 17.5,
      volume: 4,
      vwap: 17.5,
    });
  });
});

describe('volume-only bars downstream', () => {
  it('fill, revisions and the norms use the vwap prices of a bar without a last sale', () => {
    const agg = new TimeBarAggregator({ venue: 'alpaca', symbol: 'AAPL', timeframes: ['1m'], fill: true });
    const events = agg.pushAll([equity(0, 10, 1, 'a', ['I']), equity(1000, 20, 3, 'b', ['I'])]);
    agg.pushAll([equity(120_000, 30, 1, 'c', ['@'])], events);
    agg.flush(events);
    const bars = barsOf(events).map((b) => [b.start - T0, b.close, b.trades]);
    expect(bars).toEqual([
      [0, 17.5, 2],
      [60_000, 17.5, 0],
      [120_000, 30, 1],
    ]);
    for (const bar of barsOf(events)) expect(Number.isFinite(bar.quality.score)).toBe(true);
  });
});
