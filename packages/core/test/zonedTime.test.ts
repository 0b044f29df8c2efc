import fc from 'fast-check';
import { wallTime, zoneOffsetMs, zonedWallTimeToUtc, type WallTime } from '@tickline/core';

const at = Date.parse;

function wall(text: string): WallTime {
  const [year, month, day, hour, minute] = text.split(/[-T:]/).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { year, month, day, hour, minute, second: 0 };
}

describe('zonedWallTimeToUtc', () => {
  it.each([
    // Just after a spring-forward: the wall time read as UTC is still on the old offset's side.
    ['America/New_York', '2024-03-10T03:30', '2024-03-10T07:30:00Z'],
    ['America/New_York', '2024-03-10T01:30', '2024-03-10T06:30:00Z'],
    // Just after a fall-back.
    ['America/New_York', '2024-11-03T03:00', '2024-11-03T08:00:00Z'],
    ['Europe/London', '2024-03-31T03:00', '2024-03-31T02:00:00Z'],
    ['Europe/London', '2024-10-27T00:30', '2024-10-26T23:30:00Z'],
    // East of Greenwich the transition falls on the previous UTC day.
    ['Australia/Sydney', '2024-10-06T01:00', '2024-10-05T15:00:00Z'],
    ['Australia/Sydney', '2024-10-06T04:00', '2024-10-05T17:00:00Z'],
    ['Asia/Tokyo', '2024-06-01T09:00', '2024-06-01T00:00:00Z'],
  ])('%s %s is %s', (zone, local, utc) => {
    expect(zonedWallTimeToUtc(zone, wall(local))).toBe(at(utc));
  });

  it('inverts wallTime: the instant found shows the same wall clock', () => {
    const zone = fc.constantFrom('America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata');
    const ts = fc.integer({ min: 0, max: 4_000_000_000 }).map((s) => s * 1000);
    fc.assert(
      fc.property(zone, ts, (z, t) => {
        expect(wallTime(z, zonedWallTimeToUtc(z, wallTime(z, t)))).toEqual(wallTime(z, t));
      }),
    );
  });
});

describe('wallTime', () => {
  it('reads midnight as hour 0, not 24', () => {
    expect(wallTime('America/New_York', at('2024-07-01T04:00:00Z'))).toEqual(wall('2024-07-01T00:00'));
  });
});

describe('zoneOffsetMs', () => {
  it.each([
    ['2024-01-15T12:00:00Z', -5 * 3_600_000],
    ['2024-01-15T12:00:00.999Z', -5 * 3_600_000], // Intl drops the milliseconds; the offset must not
    ['1969-07-20T20:17:40.500Z', -4 * 3_600_000], // before the epoch too
    ['2024-07-15T12:00:00Z', -4 * 3_600_000],
    ['2024-03-10T06:59:59Z', -5 * 3_600_000], // one second before 02:00 EST
    ['2024-03-10T07:00:00Z', -4 * 3_600_000],
  ])('New York at %s is %d ms from UTC', (ts, offset) => {
    expect(zoneOffsetMs('America/New_York', at(ts))).toBe(offset);
  });
});
