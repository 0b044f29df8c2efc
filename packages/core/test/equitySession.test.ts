import fc from 'fast-check';
import {
  CoreError,
  equitySession,
  equitySessionDay,
  isInEquitySession,
  zoneOffsetMs,
  EQUITY_TIME_ZONE,
} from '@tickline/core';

const at = Date.parse;
const HOUR = 3_600_000;

// A formatter of our own, so the wall-clock check does not reuse the code under test.
const nyClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'America/New_York',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

describe('equitySession on the 2024 DST transitions', () => {
  it.each([
    // Friday before spring-forward (EST, UTC-5) and Monday after (EDT, UTC-4).
    ['2024-03-08', '2024-03-08T14:30:00Z', '2024-03-08T21:00:00Z'],
    ['2024-03-11', '2024-03-11T13:30:00Z', '2024-03-11T20:00:00Z'],
    // Friday before fall-back (EDT) and Monday after (EST).
    ['2024-11-01', '2024-11-01T13:30:00Z', '2024-11-01T20:00:00Z'],
    ['2024-11-04', '2024-11-04T14:30:00Z', '2024-11-04T21:00:00Z'],
  ])('%s: regular session is [%s, %s)', (date, open, close) => {
    expect(equitySession(date)).toEqual({ date, open: at(open), close: at(close) });
  });

  it.each([
    ['2024-03-08', '2024-03-08T09:00:00Z', '2024-03-09T01:00:00Z'],
    ['2024-03-11', '2024-03-11T08:00:00Z', '2024-03-12T00:00:00Z'],
    ['2024-11-01', '2024-11-01T08:00:00Z', '2024-11-02T00:00:00Z'],
    ['2024-11-04', '2024-11-04T09:00:00Z', '2024-11-05T01:00:00Z'],
  ])('%s: extended session is [%s, %s)', (date, open, close) => {
    expect(equitySession(date, { extended: true })).toEqual({ date, open: at(open), close: at(close) });
  });

  it.each(['2024-03-09', '2024-03-10', '2024-11-02', '2024-11-03'])('%s is a weekend: no session', (date) => {
    expect(equitySession(date)).toBeUndefined();
    expect(equitySession(date, { extended: true })).toBeUndefined();
  });
});

describe('equitySession (properties)', () => {
  const weekday = fc
    .integer({ min: Date.UTC(1990, 0, 1) / 86_400_000, max: Date.UTC(2060, 0, 1) / 86_400_000 })
    .map((day) => new Date(day * 86_400_000))
    .filter((d) => d.getUTCDay() !== 0 && d.getUTCDay() !== 6)
    .map((d) => d.toISOString().slice(0, 10));

  it('opens at 09:30 and closes at 16:00 New York wall time, on the same New York date', () => {
    fc.assert(
      fc.property(weekday, (date) => {
        const session = equitySession(date);
        expect(session).toBeDefined();
        const { open, close } = session!;
        expect(nyClock.format(open)).toBe('09:30');
        expect(nyClock.format(close)).toBe('16:00');
        expect(equitySessionDay(open)).toBe(date);
        expect(close - open).toBe(6.5 * HOUR);
      }),
    );
  });

  it('opens at 13:30Z in summer time and 14:30Z in winter time', () => {
    fc.assert(
      fc.property(weekday, (date) => {
        const { open } = equitySession(date)!;
        const offset = open - at(`${date}T00:00:00Z`);
        expect(offset).toBe(zoneOffsetMs(EQUITY_TIME_ZONE, open) === -4 * HOUR ? 13.5 * HOUR : 14.5 * HOUR);
      }),
    );
  });

  it('extended hours run 04:00 to 20:00 New York', () => {
    fc.assert(
      fc.property(weekday, (date) => {
        const { open, close } = equitySession(date, { extended: true })!;
        expect([nyClock.format(open), nyClock.format(close)]).toEqual(['04:00', '20:00']);
      }),
    );
  });
});

describe('equitySessionDay', () => {
  it.each([
    ['2024-03-09T03:00:00Z', '2024-03-08'], // 22:00 EST on Friday
    ['2024-07-01T03:59:59.999Z', '2024-06-30'], // 23:59 EDT
    ['2024-07-01T04:00:00Z', '2024-07-01'],
    ['2024-01-01T04:59:59.999Z', '2023-12-31'], // 23:59 EST
    ['2024-01-01T05:00:00Z', '2024-01-01'],
  ])('%s is on %s in New York', (ts, date) => {
    expect(equitySessionDay(at(ts))).toBe(date);
  });
});

describe('isInEquitySession', () => {
  it.each([
    ['2024-03-11T13:30:00Z', false, true],
    ['2024-03-11T13:29:59.999Z', false, false],
    ['2024-03-11T19:59:59.999Z', false, true],
    ['2024-03-11T20:00:00Z', false, false],
    ['2024-03-11T08:00:00Z', true, true],
    ['2024-03-11T23:59:59.999Z', true, true],
    ['2024-03-09T15:00:00Z', true, false], // Saturday
  ])('%s (extended %s) is in session: %s', (ts, extended, expected) => {
    expect(isInEquitySession(at(ts), { extended })).toBe(expected);
  });
});

describe('equitySession input', () => {
  it.each(['2024-02-30', '2024-3-11', '20240311', '2024-13-01', 'monday', '0050-01-04'])(
    'rejects %j naming it',
    (date) => {
      expect(() => equitySession(date)).toThrow(CoreError);
      expect(() => equitySession(date)).toThrow(`invalid date ${JSON.stringify(date)}`);
    },
  );
});
