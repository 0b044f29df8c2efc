import fc from 'fast-check';
import { equitySession, type Instrument } from '@tickline/core';
import { mapYahooChart, toBars, YahooChartSchema, yahooSymbol } from '../src';
import { AAPL, ALL_TIME, fixture } from './support/fixtures';

const chart = (path: string) => YahooChartSchema.parse(fixture(`yahoo/${path}`));

describe('Yahoo chart mapper', () => {
  it('maps a daily AAPL bar onto its New York session', () => {
    const { bars, empty } = mapYahooChart(chart('chart-AAPL-2020-01-01-to-2020-01-03.json'));
    expect(empty).toEqual([]);
    const mapped = toBars(bars, { instrument: AAPL, timeframe: '1d', source: 'yahoo:split', ...ALL_TIME });
    expect(mapped.bars).toHaveLength(1);
    expect(mapped.bars[0]).toMatchObject({
      start: equitySession('2020-01-02')!.open,
      end: equitySession('2020-01-02')!.close,
    });
    expect(mapped.bars[0]!.trades).toBe(0); // unknown at Yahoo
  });

  it('an empty range (weekend, meta only) is no bars, not an error', () => {
    expect(
      mapYahooChart(chart('chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json')),
    ).toEqual({
      bars: [],
      empty: [],
    });
  });

  it('crypto daily bars stay on UTC midnight', () => {
    const btc: Instrument = { venue: 'alpaca', symbol: 'BTC/USD', assetClass: 'crypto' };
    const { bars } = mapYahooChart(chart('chart-BTC-USD-2020-01-01-to-2020-01-03.json'));
    const mapped = toBars(bars, { instrument: btc, timeframe: '1d', source: 'yahoo:raw', ...ALL_TIME });
    expect(mapped.bars.map((b) => b.start)).toEqual([1, 2, 3].map((d) => Date.UTC(2020, 0, d)));
    expect(mapped.bars.every((b) => b.end === undefined)).toBe(true);
  });

  it('scales by adjclose/close for split and dividend adjusted prices', () => {
    const nvda = chart('historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json');
    const split = mapYahooChart(nvda).bars;
    const all = mapYahooChart(nvda, true).bars;
    const adjclose = nvda.chart.result![0]!.indicators.adjclose![0]!.adjclose;
    expect(split).toHaveLength(252);
    expect(all[0]!.close).toBeCloseTo(adjclose[0]!, 9);
    expect(all[0]!.open / split[0]!.open).toBeCloseTo(adjclose[0]! / split[0]!.close, 9);
  });

  it('reports rows with null prices instead of dropping them silently', () => {
    const body = {
      chart: {
        result: [
          {
            meta: { symbol: 'X' },
            timestamp: [60, 120],
            indicators: {
              quote: [
                { open: [1, null], high: [1, null], low: [1, null], close: [1, null], volume: [5, null] },
              ],
            },
          },
        ],
        error: null,
      },
    };
    expect(mapYahooChart(YahooChartSchema.parse(body))).toEqual({
      bars: [{ start: 60000, open: 1, high: 1, low: 1, close: 1, volume: 5 }],
      empty: [1],
    });
  });

  it('spells symbols the Yahoo way', () => {
    expect(yahooSymbol('BRK.B')).toBe('BRK-B');
    expect(yahooSymbol('BTC/USD')).toBe('BTC-USD');
  });

  it('property: bars keep timestamp order and count, one per non-null row', () => {
    const row = fc.option(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1e9), row), { maxLength: 30 }), (rows) => {
        const times = [...new Set(rows.map(([t]) => t))].sort((a, b) => a - b);
        const prices = times.map((_, i) => rows[i]![1]);
        const body = {
          chart: {
            result: [
              {
                meta: { symbol: 'X' },
                timestamp: times,
                indicators: {
                  quote: [{ open: prices, high: prices, low: prices, close: prices, volume: prices }],
                },
              },
            ],
            error: null,
          },
        };
        const { bars, empty } = mapYahooChart(YahooChartSchema.parse(body));
        expect(bars.length + empty.length).toBe(times.length);
        expect(bars.map((b) => b.start)).toEqual(
          times.filter((_, i) => prices[i] !== null).map((t) => t * 1000),
        );
      }),
    );
  });
});
