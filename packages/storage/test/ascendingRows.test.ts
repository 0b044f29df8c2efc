import fc from 'fast-check';
import { rowsAscending } from '../src/cache/ascendingRows';
import { formatTimestamp } from '../src/cache/csvCodec';

const HEADER = 'timestamp,open\n';
const file = (stamps: string[]) => HEADER + stamps.map((s, i) => `${s},${i}\n`).join('');
const YEAR_MS = 366 * 86_400_000;
const starts = fc.uniqueArray(
  fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 0, 1) + YEAR_MS }),
  {
    minLength: 2,
    maxLength: 60,
  },
);

test('property: text order is time order for one timestamp format, ascending iff strictly ascending', () => {
  fc.assert(
    fc.property(starts, fc.boolean(), (list, dateOnly) => {
      const stamps = list.map((ms) => (dateOnly ? ms - (ms % 86_400_000) : ms - (ms % 1000)));
      const sorted = [...stamps].sort((a, b) => a - b);
      const strictly = sorted.every((ms, i) => i === 0 || ms > sorted[i - 1]!);
      expect(rowsAscending(file(sorted.map((ms) => formatTimestamp(ms, dateOnly))), HEADER.length)).toBe(
        strictly,
      );
      const shuffled = [sorted[sorted.length - 1]!, ...sorted.slice(0, -1)];
      expect(rowsAscending(file(shuffled.map((ms) => formatTimestamp(ms, dateOnly))), HEADER.length)).toBe(
        false,
      );
    }),
  );
});

test('unsure means false: mixed formats, quoted rows, a row without fields', () => {
  expect(rowsAscending(file(['2024-01-01 00:00:00', '2024-01-01 00:01:00']), HEADER.length)).toBe(true);
  expect(rowsAscending(file(['2024-01-01 00:00:00', '2024-01-01T00:01:00']), HEADER.length)).toBe(false);
  expect(rowsAscending(file(['2024-01-01', '2024-01-01 00:01:00']), HEADER.length)).toBe(false);
  expect(rowsAscending(file(['"2024-01-01"', '"2024-01-02"']), HEADER.length)).toBe(false);
  expect(rowsAscending(`${HEADER}2024-01-01\n`, HEADER.length)).toBe(false);
  expect(rowsAscending(`${HEADER}2024-01-01,1\r\n\r\n2024-01-02,2\r\n`, HEADER.length)).toBe(true);
  expect(rowsAscending(HEADER, HEADER.length)).toBe(true);
});
