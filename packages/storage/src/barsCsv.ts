import { DAY_MS, type Bar } from '@tickline/core';

/**
 * The bars CSV of `tickline bars --format csv` and of the text readers (readCachedBarsCsv, queryBarsCsv):
 * this header, then one line per bar; `start` ISO-8601 UTC as Date#toISOString, numbers as JavaScript
 * prints them (String(n)), `quality` the score.
 */
export const BARS_CSV_HEADER = 'start,open,high,low,close,volume,trades,vwap,quality';

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * ISO-8601 UTC exactly as Date#toISOString, fast for runs of times: the date part is computed once per
 * day and the time of day of whole seconds once per second of the day (toISOString for each of 525,600
 * rows took about as long as reading them).
 */
export function isoTimeFormatter(): (ms: number) => string {
  let day = Number.NaN;
  let prefix = '';
  const clock: string[] = []; // `HH:MM:SS.000Z` by second of the day
  return (ms) => {
    const start = Math.floor(ms / DAY_MS) * DAY_MS;
    if (start !== day) {
      day = start;
      prefix = new Date(start).toISOString().slice(0, 11);
    }
    const rest = ms - start;
    const millis = rest % 1000;
    const second = (rest - millis) / 1000;
    let time = millis === 0 ? clock[second] : undefined;
    if (time === undefined) {
      const h = Math.floor(second / 3600);
      const m = Math.floor((second % 3600) / 60);
      time = `${pad2(h)}:${pad2(m)}:${pad2(second % 60)}.${pad3(millis)}Z`;
      if (millis === 0) clock[second] = time;
    }
    return prefix + time;
  };
}

/** The CSV lines (each ending in a newline) of `bars`, times through `iso`. */
export function barsCsvLines(bars: readonly Bar[], iso: (ms: number) => string = isoTimeFormatter()): string {
  let text = '';
  // Plain concatenation: half the time of template lines joined from arrays.
  for (const bar of bars) {
    text +=
      iso(bar.start) +
      ',' +
      bar.open +
      ',' +
      bar.high +
      ',' +
      bar.low +
      ',' +
      bar.close +
      ',' +
      bar.volume +
      ',' +
      bar.trades +
      ',' +
      bar.vwap +
      ',' +
      bar.quality.score +
      '\n';
  }
  return text;
}

/**
 * Where the number at `start` ends (the comma after it) when it is written exactly as String(n) prints
 * it, judged from its characters for the usual case: plain notation, no sign on zero, no leading or
 * trailing zeros, at most 15 significant digits (any such decimal is the shortest that reads back to its
 * double, which is what JavaScript prints), not below 1e-6 (printed with an exponent). `integer`: no
 * fraction allowed. -1 when it is none of those, or not followed by a comma: {@link printedAs} decides.
 */
export function canonicalNumberEnd(text: string, start: number, integer: boolean): number {
  let i = start;
  let c = text.charCodeAt(i);
  if (c === 45) c = text.charCodeAt(++i); // '-'
  let significant = 0;
  if (c === 48) {
    // A leading zero: "0" alone (not "-0"), or "0." and a fraction.
    c = text.charCodeAt(++i);
    if (c !== 46) return c === 44 && i === start + 1 ? i : -1;
  } else {
    while (c >= 48 && c <= 57) {
      significant++;
      c = text.charCodeAt(++i);
    }
    if (significant === 0) return -1;
    if (c !== 46) return c === 44 && significant <= 15 ? i : -1;
  }
  if (integer) return -1;
  c = text.charCodeAt(++i); // after the '.'
  let zeros = 0; // after "0.": below 1e-6 (six zeros or more) JavaScript prints an exponent
  let last = -1;
  while (c >= 48 && c <= 57) {
    if (significant === 0 && c === 48) zeros++;
    else significant++;
    last = c;
    c = text.charCodeAt(++i);
  }
  const ok = c === 44 && last > 48 && significant > 0 && significant <= 15 && zeros <= 5;
  return ok ? i : -1;
}

/**
 * How the Bar path prints the number in `field`: String(Number(field)), for `trades` the rounded value
 * (rowsToBars: Math.round(n) || 0); undefined when that is not finite (the row is not a plain bar).
 */
export function printedAs(field: string, trades: boolean): string | undefined {
  const n = Number(field);
  if (!Number.isFinite(n)) return undefined;
  return String(trades ? Math.round(n) || 0 : n);
}
