import { mod } from './timeUnits';

// Wall-clock conversions for an IANA time zone, using the platform's tz database through Intl so
// that DST rules are never hard-coded here.

/** Wall-clock fields of an instant in a zone. */
export interface WallTime {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building a DateTimeFormat is far slower than using one, so keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time in `timeZone` at the instant `ts`. */
export function wallTime(timeZone: string, ts: number): WallTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ts)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const field = (name: string) => fields[name] ?? 0;
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
  };
}

/** How far `timeZone` is ahead of UTC at `ts`, in ms (negative west of Greenwich). */
export function zoneOffsetMs(timeZone: string, ts: number): number {
  const wall = wallTime(timeZone, ts);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // Intl drops milliseconds, so compare against the instant truncated to the second.
  return asUtc - (ts - mod(ts, 1000));
}

/**
 * The UTC instant at which the wall clock in `timeZone` shows the given time. Guessing with the
 * offset at the wall time read as UTC, then correcting with the offset at that guess, is exact
 * except inside a DST gap or overlap (02:00–03:00 local in New York), which sessions never touch.
 */
export function zonedWallTimeToUtc(timeZone: string, wall: WallTime): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const guess = asUtc - zoneOffsetMs(timeZone, asUtc);
  return asUtc - zoneOffsetMs(timeZone, guess);
}
