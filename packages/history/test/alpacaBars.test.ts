import fc from 'fast-check';
import { equitySession } from '@tickline/core';
import { AlpacaBarsPageSchema, alpacaCryptoSymbol, mapAlpacaBars, toBars } from '../src';
import { AAPL, ALL_TIME, fixture } from './support/fixtures';

const META = { ...AAPL, symbol: 'META' };

describe('Alpaca bars mapper', () => {
  it('places daily stock bars on the New York session and keeps the page token', () => {
    const page = AlpacaBarsPageSchema.parse(fixture('alpaca/stocks_bars_META_1Day_2022-06-08_page1.json'));
    const { bars, rejected } = toBars(mapAlpacaBars(page, 'META'), {
      instrument: META,
      timeframe: '1d',
      source: 'alpaca:raw',
      ...ALL_TIME,
    });
    expect(rejected).toEqual([]);
    const session = equitySession('2022-06-08')!;
    expect(bars[0]).toMatchObject({ start: session.open, end: session.close, open: 194.67, trades: 246906 });
    expect(bars[0]!.start).toBe(Date.UTC(2022, 5, 8, 13, 30)); // 09:30 EDT
    expect(bars[0]!.notional).toBeCloseTo(198.364578 * 22211813, 0);
    expect(page.next_page_token).toBe('TUVUQXxEfDIwMjItMDYtMDlUMDQ6MDA6MDAuMDAwMDAwMDAwWg==');
    const last = AlpacaBarsPageSchema.parse(fixture('alpaca/stocks_bars_META_1Day_2022-06-10_page2.json'));
    expect(
      toBars(mapAlpacaBars(last, 'META'), { instrument: META, timeframe: '1d', source: 's', ...ALL_TIME })
        .bars[1]!.start,
    ).toBe(equitySession('2022-06-13')!.open);
  });

  it('maps intraday stock bars and crypto bars as UTC instants', () => {
    const amzn = AlpacaBarsPageSchema.parse(fixture('alpaca/stocks_bars_AMZN_15Min_2021-10-15.json'));
    const bars = mapAlpacaBars(amzn, 'AMZN');
    expect(bars.map((b) => b.start)).toEqual([0, 1, 2, 3, 4].map((i) => Date.UTC(2021, 9, 15, 16, 15 * i)));
    const bch = AlpacaBarsPageSchema.parse(fixture('alpaca/crypto_bars_BCHUSD_1Min_2021-11-11.json'));
    const crypto = mapAlpacaBars(bch, 'BCH/USD');
    expect(crypto[0]).toMatchObject({
      start: Date.UTC(2021, 10, 11, 11, 11),
      volume: 3.67960285,
      trades: 10,
    });
    expect(mapAlpacaBars(bch, 'ETH/USD')).toEqual([]);
  });

  it('names the field when a page has another shape', () => {
    const bad = AlpacaBarsPageSchema.safeParse({
      bars: { AAPL: [{ t: 'yesterday', o: 1, h: 1, l: 1, c: 1, v: 1 }] },
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['bars', 'AAPL', 0, 't']);
  });

  it('spells crypto pairs the Alpaca way', () => {
    expect(alpacaCryptoSymbol('BTCUSDT')).toBe('BTC/USDT');
    expect(alpacaCryptoSymbol('ETHUSD')).toBe('ETH/USD');
    expect(alpacaCryptoSymbol('BTC/USD')).toBe('BTC/USD');
  });

  it('property: every RFC 3339 bar time maps to the same instant', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (date) => {
          const page = AlpacaBarsPageSchema.parse({
            bars: { X: [{ t: date.toISOString(), o: 1, h: 2, l: 1, c: 2, v: 0 }] },
          });
          expect(mapAlpacaBars(page, 'X')[0]!.start).toBe(date.getTime());
        },
      ),
    );
  });
});
