import fc from 'fast-check';
import { BinanceKlinesSchema, mapBinanceKlines, toBars } from '../src';
import { ALL_TIME, BTCUSDT, fixture } from './support/fixtures';

describe('Binance klines mapper', () => {
  it('maps the recorded BTCUSDT 1m klines to raw bars tagged binance:raw', () => {
    const rows = BinanceKlinesSchema.parse(fixture('binance/spot_klines_1m_BTCUSDT_2021-10-22.json'));
    const { bars, rejected } = toBars(mapBinanceKlines(rows), {
      instrument: BTCUSDT,
      timeframe: '1m',
      source: 'binance:raw',
      ...ALL_TIME,
    });
    expect(rejected).toEqual([]);
    expect(bars).toHaveLength(10);
    expect(bars[0]).toMatchObject({
      venue: 'binance',
      symbol: 'BTCUSDT',
      start: Date.UTC(2021, 9, 22, 23, 3),
      open: 60685.22,
      high: 60729.84,
      low: 60670.9,
      close: 60719.27,
      volume: 21.63272,
      trades: 617,
      notional: 1313200.0134041,
      source: 'binance:raw',
      final: true,
    });
    expect(bars[0]!.vwap).toBeCloseTo(1313200.0134041 / 21.63272, 6);
    expect(bars.map((b) => b.start - bars[0]!.start)).toEqual([...Array(10).keys()].map((i) => i * 60000));
  });

  it('keeps only bars within [from, to) and rejects zero prices with a reason', () => {
    const rows = BinanceKlinesSchema.parse(fixture('binance/spot_klines_1m_BTCUSDT_2021-10-22.json'));
    rows[3]![1] = '0';
    const from = rows[2]![0];
    const { bars, rejected } = toBars(mapBinanceKlines(rows), {
      instrument: BTCUSDT,
      timeframe: '1m',
      source: 'binance:raw',
      from,
      to: rows[6]![0],
    });
    expect(bars.map((b) => b.start)).toEqual([rows[2]![0], rows[4]![0], rows[5]![0]]);
    expect(rejected).toEqual([{ index: 3, reason: 'open must be greater than 0, got 0' }]);
  });

  it('refuses rows of another shape', () => {
    expect(BinanceKlinesSchema.safeParse([[1, '1', '1']]).success).toBe(false);
    expect(
      BinanceKlinesSchema.safeParse([[1, '1', '1', '1', '1', 'x', 2, '1', 1, '1', '1', '0']]).success,
    ).toBe(false);
  });

  it('property: any valid kline row maps to a bar with the same OHLCV and vwap within [low, high]', () => {
    const price = fc.integer({ min: 1, max: 10_000_000 }).map((cents) => (cents / 100).toFixed(8));
    const row = fc
      .tuple(
        fc.integer({ min: 0, max: 4e12 }),
        price,
        price,
        price,
        price,
        fc.integer({ min: 0, max: 1e9 }),
        fc.nat(1e6),
      )
      .map(([minute, a, b, c, d, qty, trades]) => {
        const [low, high] = [a, b, c, d]
          .map(Number)
          .sort((x, y) => x - y)
          .filter((_, i) => i === 0 || i === 3);
        const volume = (qty / 1000).toFixed(8);
        const vwap = (low! + high!) / 2;
        const start = Math.floor(minute / 60000) * 60000;
        return [
          start,
          c,
          String(high),
          String(low),
          d,
          volume,
          start + 59999,
          String(vwap * Number(volume)),
          trades,
          '0',
          '0',
          '0',
        ];
      });
    fc.assert(
      fc.property(row, (r) => {
        const rows = BinanceKlinesSchema.parse([r]);
        const [bar] = mapBinanceKlines(rows);
        expect(bar!.start).toBe(r[0]);
        expect(bar!.high).toBe(Number(r[2]));
        expect(bar!.volume).toBe(Number(r[5]));
        expect(bar!.vwap!).toBeGreaterThanOrEqual(bar!.low * (1 - 1e-9));
        expect(bar!.vwap!).toBeLessThanOrEqual(bar!.high * (1 + 1e-9));
      }),
    );
  });
});
