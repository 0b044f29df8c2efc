import fc from 'fast-check';
import {
  CoreError,
  TIMEFRAMES,
  floorTime,
  isFixedTimeframe,
  nextBoundary,
  timeframeMs,
  type Timeframe,
} from '@tickline/core';

// 1874 to 2128: both sides of the epoch, where a naive `%` would floor the wrong way.
const anyTs = fc.integer({ min: -3_000_000_000_000, max: 5_000_000_000_000 });
const anyTimeframe = fc.constantFrom(...TIMEFRAMES);

/** An oracle independent of the implementation: what the Date fields of a bar start must look like. */
function isBarStart(tf: Timeframe, ts: number): boolean {
  const d = new Date(ts);
  const time = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()];
  const count = Number.parseInt(tf, 10);
  const zeroBelow = (index: number) => time.slice(index).every((v) => v === 0);
  switch (tf.slice(-1)) {
    case 's':
      return d.getUTCSeconds() % count === 0 && zeroBelow(3);
    case 'm':
      return d.getUTCMinutes() % count === 0 && zeroBelow(2);
    case 'h':
      return d.getUTCHours() % count === 0 && zeroBelow(1);
    case 'd':
      return zeroBelow(0);
    case 'w':
      return d.getUTCDay() === 1 && zeroBelow(0);
    default:
      return d.getUTCDate() === 1 && zeroBelow(0);
  }
}

describe('floorTime and nextBoundary (properties)', () => {
  it('floor(ts) <= ts < next(ts)', () => {
    fc.assert(
      fc.property(anyTimeframe, anyTs, (tf, ts) => {
        expect(floorTime(tf, ts)).toBeLessThanOrEqual(ts);
        expect(nextBoundary(tf, ts)).toBeGreaterThan(ts);
      }),
    );
  });

  it('both land on bar starts by the calendar oracle (weeks on Monday, months on the 1st)', () => {
    fc.assert(
      fc.property(anyTimeframe, anyTs, (tf, ts) => {
        expect(isBarStart(tf, floorTime(tf, ts))).toBe(true);
        expect(isBarStart(tf, nextBoundary(tf, ts))).toBe(true);
      }),
    );
  });

  it('floor is idempotent and a boundary is its own floor', () => {
    fc.assert(
      fc.property(anyTimeframe, anyTs, (tf, ts) => {
        const start = floorTime(tf, ts);
        expect(floorTime(tf, start)).toBe(start);
        expect(floorTime(tf, nextBoundary(tf, ts))).toBe(nextBoundary(tf, ts));
      }),
    );
  });

  it('bars are contiguous: the last millisecond of a bar floors to its start', () => {
    fc.assert(
      fc.property(anyTimeframe, anyTs, (tf, ts) => {
        expect(floorTime(tf, nextBoundary(tf, ts) - 1)).toBe(floorTime(tf, ts));
      }),
    );
  });

  it('a fixed-timeframe bar lasts exactly its duration', () => {
    const fixed = fc.constantFrom(...TIMEFRAMES.filter(isFixedTimeframe));
    fc.assert(
      fc.property(fixed, anyTs, (tf, ts) => {
        const start = floorTime(tf, ts);
        expect(nextBoundary(tf, start) - start).toBe(timeframeMs(tf));
      }),
    );
  });

  it('a month bar runs from the 1st to the 1st of the following month', () => {
    fc.assert(
      fc.property(anyTs, (ts) => {
        const d = new Date(ts);
        const start = new Date(floorTime('1M', ts));
        const next = new Date(nextBoundary('1M', ts));
        expect([start.getUTCFullYear(), start.getUTCMonth()]).toEqual([d.getUTCFullYear(), d.getUTCMonth()]);
        expect(
          (next.getUTCFullYear() - start.getUTCFullYear()) * 12 + next.getUTCMonth() - start.getUTCMonth(),
        ).toBe(1);
      }),
    );
  });
});

describe('floorTime and nextBoundary (examples)', () => {
  const at = Date.parse;

  it.each([
    ['1s', '2024-05-17T13:45:27.999Z', '2024-05-17T13:45:27.000Z', '2024-05-17T13:45:28.000Z'],
    ['15s', '2024-05-17T13:45:44.000Z', '2024-05-17T13:45:30.000Z', '2024-05-17T13:45:45.000Z'],
    ['3m', '2024-05-17T13:47:10.000Z', '2024-05-17T13:45:00.000Z', '2024-05-17T13:48:00.000Z'],
    ['4h', '2024-05-17T13:45:00.000Z', '2024-05-17T12:00:00.000Z', '2024-05-17T16:00:00.000Z'],
    ['1d', '2024-05-17T23:59:59.999Z', '2024-05-17T00:00:00.000Z', '2024-05-18T00:00:00.000Z'],
    ['1w', '2024-01-03T10:00:00.000Z', '2024-01-01T00:00:00.000Z', '2024-01-08T00:00:00.000Z'],
    ['1w', '2024-01-07T23:59:59.999Z', '2024-01-01T00:00:00.000Z', '2024-01-08T00:00:00.000Z'],
    ['1w', '1970-01-01T00:00:00.000Z', '1969-12-29T00:00:00.000Z', '1970-01-05T00:00:00.000Z'],
    ['1M', '2024-02-29T12:00:00.000Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['1M', '2023-12-31T23:59:59.999Z', '2023-12-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
    ['1m', '1969-12-31T23:59:59.999Z', '1969-12-31T23:59:00.000Z', '1970-01-01T00:00:00.000Z'],
  ] as const)('%s at %s is [%s, %s)', (tf, ts, start, next) => {
    expect(floorTime(tf, at(ts))).toBe(at(start));
    expect(nextBoundary(tf, at(ts))).toBe(at(next));
  });

  it.each([NaN, Infinity, -Infinity, 9e15])('rejects the timestamp %d', (ts) => {
    expect(() => floorTime('1m', ts)).toThrow(CoreError);
    expect(() => nextBoundary('1M', ts)).toThrow(`timestamp must be finite epoch milliseconds, got ${ts}`);
  });
});
