import fc from 'fast-check';
import { equitySession, zonedWallTimeToUtc } from '@tickline/core';
import {
  AlphaVantageSeriesSchema,
  alphaVantageTime,
  checkAlphaVantageBody,
  mapAlphaVantageSeries,
  rateLimitWait,
  toBars,
} from '../src';
import { ProviderError } from '@tickline/providers';
import { AAPL, ALL_TIME, fixture } from './support/fixtures';

// Bodies of the documented shapes (protocols/venues.md §6): no real one is in a permissive repository.
export const NOTES = {
  daily:
    'Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.',
  burst:
    'Thank you for using Alpha Vantage! Please consider spreading out your free API requests more sparingly (1 request per second). You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per day) and instantly remove all daily rate limits.',
  legacy:
    'Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency.',
  premium:
    'Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly unlock all premium endpoints',
};

describe('Alpha Vantage series mapper', () => {
  it('reads intraday keys as US/Eastern wall time, never as UTC', () => {
    const series = AlphaVantageSeriesSchema.parse(
      fixture('alphavantage/TIME_SERIES_INTRADAY_MSFT_1min_2017-12-18.json'),
    );
    expect(series.timeZone).toBe('US/Eastern');
    const bars = mapAlphaVantageSeries(series);
    expect(bars.at(-1)).toMatchObject({
      start: Date.UTC(2017, 11, 18, 19, 56),
      open: 86.49,
      close: 86.5,
      volume: 10494,
    }); // 14:56 EST
    const mapped = toBars(bars, {
      instrument: { ...AAPL, symbol: 'MSFT' },
      timeframe: '1m',
      source: 'alphavantage:raw',
      ...ALL_TIME,
    });
    expect(mapped.rejected).toEqual([]);
    expect(mapped.bars).toHaveLength(100);
    expect(mapped.bars.every((b, i) => i === 0 || b.start > mapped.bars[i - 1]!.start)).toBe(true);
  });

  it('places a daily key on its New York session across DST', () => {
    const body = {
      'Meta Data': {
        '1. Information': 'Daily Prices (open, high, low, close) and Volumes',
        '2. Symbol': 'IBM',
        '3. Last Refreshed': '2023-03-17',
        '4. Output Size': 'Compact',
        '5. Time Zone': 'US/Eastern',
      },
      'Time Series (Daily)': {
        '2023-03-13': {
          '1. open': '125.1',
          '2. high': '126.0',
          '3. low': '124.0',
          '4. close': '125.5',
          '5. volume': '100',
        },
        '2023-03-10': {
          '1. open': '126.1',
          '2. high': '127.0',
          '3. low': '125.0',
          '4. close': '125.4',
          '5. volume': '200',
        },
      },
    };
    const bars = toBars(mapAlphaVantageSeries(AlphaVantageSeriesSchema.parse(body)), {
      instrument: AAPL,
      timeframe: '1d',
      source: 'alphavantage:raw',
      ...ALL_TIME,
    }).bars;
    expect(bars.map((b) => b.start)).toEqual([Date.UTC(2023, 2, 10, 14, 30), Date.UTC(2023, 2, 13, 13, 30)]);
    expect(bars[1]!.end).toBe(equitySession('2023-03-13')!.close);
  });

  it.each([
    ['Information', NOTES.daily, 'RATE_LIMITED'],
    ['Information', NOTES.burst, 'RATE_LIMITED'],
    ['Note', NOTES.legacy, 'RATE_LIMITED'],
    ['Information', NOTES.premium, 'UNAUTHORIZED'],
    [
      'Error Message',
      'Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_INTRADAY.',
      'REQUEST_REJECTED',
    ],
  ])('an HTTP 200 body {%s: ...} is an error, never data', (key, text, code) => {
    const error = (() => {
      try {
        checkAlphaVantageBody({ [key]: text }, 0);
      } catch (e) {
        return e as ProviderError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProviderError);
    expect(error!.code).toBe(code);
    expect(error!.retryable).toBe(code === 'RATE_LIMITED');
  });

  it('classifies the burst note by its per-second wait before the daily limit it also mentions', () => {
    expect(rateLimitWait(NOTES.burst, 0)).toBe(1000);
    expect(rateLimitWait(NOTES.legacy, 0)).toBe(60000);
    expect(rateLimitWait(NOTES.daily, Date.UTC(2025, 0, 1, 18))).toBe(6 * 3600_000);
    expect(() => checkAlphaVantageBody({ 'Meta Data': {}, 'Time Series (5min)': {} }, 0)).not.toThrow();
  });

  it('property: wall times convert through the zone, whatever the date (DST gaps aside)', () => {
    const wall = fc.record({
      year: fc.integer({ min: 2000, max: 2030 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 4, max: 19 }), // Alpha Vantage's extended hours: never the 02:00 DST gap
      minute: fc.integer({ min: 0, max: 59 }),
    });
    fc.assert(
      fc.property(wall, (w) => {
        const p = (n: number) => String(n).padStart(2, '0');
        const text = `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:00`;
        const utc = alphaVantageTime(text, 'US/Eastern');
        expect(utc).toBe(zonedWallTimeToUtc('America/New_York', { ...w, second: 0 }));
        const offsetHours = (Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - utc) / 3600_000;
        expect([-4, -5]).toContain(offsetHours);
      }),
    );
  });
});
