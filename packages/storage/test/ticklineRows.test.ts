import fc from 'fast-check';
import type { Bar } from '@tickline/core';
import { formatCsv, parseCsv, rowsToBars } from '../src/cache/csvCodec';
import { decimalAt, ticklineRows } from '../src/cache/ticklineRows';
import { bar, T0 } from './bars';

const CONTEXT = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', defaultSource: 'import' } as const;

test('property: decimalAt reads any written number exactly as Number() does', () => {
  const texts = fc.oneof(
    fc.double({ noNaN: true }).map(String),
    fc.integer().map(String),
    fc.constantFrom('', '-', '.5', '5.', '-0', '007', '1e5', ' 5', '+3', '0.1234567890123456789', 'x'),
  );
  fc.assert(
    fc.property(texts, (text) => {
      expect(Object.is(decimalAt(`,${text},`, 1, text.length + 1), Number(text))).toBe(true);
    }),
    { numRuns: 2000 },
  );
});

test('property: Tickline rows decode to the same bars as the general parser, flags and odd rows included', () => {
  const row = fc.record({
    price: fc.double({ min: 1e-8, max: 1e7, noNaN: true }),
    volume: fc.double({ min: 0, max: 1e9, noNaN: true }),
    trades: fc.nat(),
    revision: fc.nat({ max: 5 }),
    source: fc.constantFrom('live', 'binance-klines', 'a"b', 'x,y'),
    flagged: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(row, { maxLength: 40 }), fc.nat({ max: 50 }), (rows, limit) => {
      const bars: Bar[] = rows.map((r, i) =>
        bar({
          start: T0 + i * 60_000,
          open: r.price,
          high: r.price * 2,
          low: r.price / 2,
          close: r.price,
          vwap: r.price,
          volume: r.volume,
          trades: r.trades,
          revision: r.revision,
          source: r.source,
          quality: r.flagged
            ? { score: 0.5, flags: [{ code: 'gap', penalty: 0.5, detail: 'a "q", b' }] }
            : { score: 1, flags: [] },
        }),
      );
      const text = `${formatCsv(bars)}\n`; // a blank line at the end too
      const expected = rowsToBars(parseCsv(text), CONTEXT);
      const start = text.indexOf('\n') + 1;
      const got: Bar[] = [];
      let pos = start;
      do pos = ticklineRows(text, pos, Math.max(limit, 1), CONTEXT, got.length, got);
      while (pos < text.length);
      expect(got).toEqual(expected);
    }),
  );
});

test('a broken row is reported by the general parser with its row number', () => {
  const text = `${formatCsv([bar()])}2024-01-01 00:01:00,1,2,x,4,5,6,7,1,live,0,\n`;
  const pos = text.indexOf('\n') + 1;
  expect(() => ticklineRows(text, pos, 10, CONTEXT, 0, [])).toThrow(/row 3 is not a bar/);
});
