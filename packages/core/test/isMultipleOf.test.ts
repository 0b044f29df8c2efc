import fc from 'fast-check';
import { TIMEFRAMES, floorTime, isMultipleOf, nextBoundary, type Timeframe } from '@tickline/core';

const pairs = TIMEFRAMES.flatMap((higher) => TIMEFRAMES.map((lower) => [higher, lower] as const));

/** Brute force: every one of 60 consecutive `higher` boundaries must also be a `lower` boundary. */
function boundariesNest(higher: Timeframe, lower: Timeframe): boolean {
  let boundary = floorTime(higher, Date.parse('2019-12-30T00:00:00Z'));
  for (let i = 0; i < 60; i++) {
    if (floorTime(lower, boundary) !== boundary) return false;
    boundary = nextBoundary(higher, boundary);
  }
  return true;
}

describe('isMultipleOf', () => {
  it.each(pairs)('isMultipleOf(%s, %s) agrees with a brute-force scan of boundaries', (higher, lower) => {
    expect(isMultipleOf(higher, lower)).toBe(boundariesNest(higher, lower));
  });

  it.each([
    ['1h', '1m', true],
    ['1w', '1d', true],
    ['1w', '4h', true],
    ['1M', '1d', true],
    ['1M', '6h', true],
    ['5m', '5m', true],
    ['5m', '3m', false],
    ['1M', '1w', false],
    ['1m', '1h', false],
    ['1d', '1w', false],
  ] as const)('isMultipleOf(%s, %s) is %s', (higher, lower, expected) => {
    expect(isMultipleOf(higher, lower)).toBe(expected);
  });

  it('every lower bar of a multiple lies inside exactly one higher bar', () => {
    const nested = fc.constantFrom(...pairs.filter(([higher, lower]) => isMultipleOf(higher, lower)));
    const anyTs = fc.integer({ min: -2_000_000_000_000, max: 5_000_000_000_000 });
    fc.assert(
      fc.property(nested, anyTs, ([higher, lower], ts) => {
        const lowerStart = floorTime(lower, ts);
        const lowerEnd = nextBoundary(lower, ts);
        // The higher bar holding the lower bar's first millisecond also holds its last one.
        expect(floorTime(higher, lowerEnd - 1)).toBe(floorTime(higher, lowerStart));
        expect(lowerEnd).toBeLessThanOrEqual(nextBoundary(higher, lowerStart));
      }),
    );
  });
});
