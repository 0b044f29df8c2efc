import fc from 'fast-check';
import { parseRange } from '../src/fmp/fmpMapper';
import { isoDateOfSeconds, parseIsoDate, parseNumericText } from '../src/parseValues';

describe('provider number and date parsing (properties)', () => {
  it('reads back any finite double from its text form', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(parseNumericText(String(value), 'p', 'f')).toBe(Object.is(value, -0) ? 0 : value);
      }),
    );
  });

  it('treats the absent spellings as null and anything else non-numeric as an error naming the field', () => {
    for (const absent of ['None', '-', '', ' ', 'N/A']) expect(parseNumericText(absent, 'p', 'f')).toBeNull();
    fc.assert(
      fc.property(
        fc
          .string()
          .filter(
            (text) =>
              !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) &&
              !['None', 'none', '-', '', 'N/A', 'null'].includes(text.trim()),
          ),
        (text) => {
          expect(() => parseNumericText(text, 'alphavantage', 'PERatio')).toThrow(
            /alphavantage: PERatio is not a number/,
          );
        },
      ),
    );
  });

  it('round-trips every UTC date and rejects impossible ones', () => {
    // Years 0000-9999: the range a four-digit year can write.
    const day = fc.integer({ min: -719_528, max: 2_932_896 }).map((n) => n * 86_400);
    fc.assert(
      fc.property(day, (seconds) => {
        const text = isoDateOfSeconds(seconds);
        expect(parseIsoDate(text, 'p', 'f')).toBe(seconds * 1000);
      }),
    );
    expect(() => parseIsoDate('2020-02-30', 'p', 'LatestQuarter')).toThrow(
      /LatestQuarter is not a YYYY-MM-DD date/,
    );
  });

  it('reads FMP 52-week ranges and ignores unreadable ones', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (low, high) => {
          expect(parseRange(`${low}-${high}`)).toEqual({ low, high });
        },
      ),
    );
    expect(parseRange('n/a')).toBeUndefined();
    expect(parseRange(null)).toBeUndefined();
  });
});
