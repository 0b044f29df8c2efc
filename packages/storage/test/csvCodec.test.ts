import fc from 'fast-check';
import { TIMEFRAMES, type Bar } from '@tickline/core';
import { formatCsv, parseCsv, rowsToBars } from '../src';
import { parseTimestamp } from '../src/cache/csvCodec';

const price = fc.double({ min: 1e-8, max: 1e7, noNaN: true, noDefaultInfinity: true });
const flag = fc.record(
  {
    code: fc.constantFrom('gap', 'outlier', 'stale'),
    penalty: fc.double({ min: 0, max: 1, noNaN: true }),
    detail: fc.string(),
  },
  { requiredKeys: ['code', 'penalty'] },
);
const arbBar = (timeframe: Bar['timeframe']) =>
  fc.record({
    venue: fc.constant('binance' as const),
    symbol: fc.constant('BTCUSDT'),
    timeframe: fc.constant(timeframe),
    start: fc.integer({ min: -2e9, max: 4e9 }).map((s) => s * 1000),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }),
    trades: fc.nat(),
    vwap: price,
    final: fc.constant(true),
    revision: fc.nat({ max: 20 }),
    quality: fc.record({
      score: fc.double({ min: 0, max: 1, noNaN: true }),
      flags: fc.array(flag, { maxLength: 3 }),
    }),
    source: fc.constantFrom('live', 'binance-klines', 'a,b "quoted"'),
  });

const zeroSigned = (bar: Bar): Bar => ({
  ...bar,
  volume: bar.volume + 0,
  quality: { ...bar.quality, score: bar.quality.score + 0 },
});

test('property: parse after format gives the bars back, field for field', () => {
  const batch = fc
    .constantFrom(...TIMEFRAMES)
    .chain((timeframe) => fc.array(arbBar(timeframe), { minLength: 1, maxLength: 5 }));
  fc.assert(
    fc.property(batch, (generated) => {
      const bars = generated.map(zeroSigned); // CSV has no -0
      const { timeframe } = bars[0]!;
      const parsed = rowsToBars(parseCsv(formatCsv(bars)), {
        venue: 'binance',
        symbol: 'BTCUSDT',
        timeframe,
        defaultSource: 'x',
      });
      expect(parsed).toEqual(bars);
    }),
    { numRuns: 300 },
  );
});

test('timestamps: date-only when every bar is at midnight, seconds otherwise', () => {
  const base: Omit<Bar, 'start'> = {
    venue: 'binance',
    symbol: 'X',
    timeframe: '1d',
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 0,
    trades: 0,
    vwap: 1,
    final: true,
    revision: 0,
    quality: { score: 1, flags: [] },
    source: 'live',
  };
  expect(formatCsv([{ ...base, start: Date.UTC(2024, 0, 2) }]).split('\n')[1]).toMatch(/^2024-01-02,/);
  expect(formatCsv([{ ...base, start: Date.UTC(2024, 0, 2, 9, 30) }]).split('\n')[1]).toMatch(
    /^2024-01-02 09:30:00,/,
  );
  expect(parseTimestamp('2024-01-02')).toBe(Date.UTC(2024, 0, 2));
  expect(parseTimestamp('2024-01-02 09:30:05')).toBe(Date.UTC(2024, 0, 2, 9, 30, 5));
  expect(parseTimestamp('2024-01-02T09:30:05.250Z')).toBe(Date.UTC(2024, 0, 2, 9, 30, 5, 250));
  expect(parseTimestamp('1704067200000')).toBe(Date.UTC(2024, 0, 1));
  expect(parseTimestamp('yesterday')).toBeNaN();
});

test('CSV with quotes, doubled quotes, quoted newlines and CRLF', () => {
  expect(parseCsv('a,B\r\n1,"x, ""y""\nz"\r\n2,w\n')).toEqual({
    header: ['a', 'b'],
    rows: [
      ['1', 'x, "y"\nz'],
      ['2', 'w'],
    ],
  });
});
