import type { Bar } from '@tickline/core';
import { barsCsvLines, canonicalNumberEnd, printedAs } from '../barsCsv';
import { parseTimestamp, type RowContext } from './csvCodec';
import { lineEndAt, nextQuote, ticklineRows } from './ticklineRows';

/** Lines of the bars CSV and the first and last start among them (NaN when there are none). */
export interface CsvText {
  lines: string;
  first: number;
  last: number;
}

/** The CsvText of `bars`. */
export function csvTextOf(bars: readonly Bar[], iso: (ms: number) => string): CsvText {
  return {
    lines: barsCsvLines(bars, iso),
    first: bars.length === 0 ? Number.NaN : bars[0]!.start,
    last: bars.length === 0 ? Number.NaN : bars[bars.length - 1]!.start,
  };
}

/**
 * The bars CSV (barsCsv.ts) of rows of a file with exactly Tickline's columns, straight from its text:
 * the cache's columns open..quality are the output's, in the same order, so a row whose numbers are
 * already written as String(n) prints them as they stand, and only its time is formatted. No Bar is
 * built for those rows; any other row (a number written otherwise, quoted fields before the flags,
 * anything unexpected) goes through ticklineRows and is formatted from its Bar, which also raises the
 * errors, so the text equals barsCsvLines of the bars readCachedBars gives. One difference: the flags,
 * which the CSV does not show, are checked for their quoting but not parsed as JSON (cache verify does).
 * Reads up to `limit` rows from `pos`, keeps those starting in [from, to); returns the text and where
 * the next row starts.
 */
export function csvTextRows(
  text: string,
  pos: number,
  limit: number,
  context: RowContext & { firstRow: number },
  range: { from: number; to: number },
  iso: (ms: number) => string,
): CsvText & { next: number } {
  const length = text.length;
  let lines = '';
  let first = Number.NaN;
  let last = Number.NaN;
  const keep = (start: number, line: string) => {
    if (start < range.from || start >= range.to) return;
    lines += line;
    if (Number.isNaN(first)) first = start;
    last = start;
  };
  let day = '';
  let dayMs = Number.NaN;
  let quote = -1; // the next quote at or after pos, searched again only once passed
  let n = 0;
  while (n < limit && pos < length) {
    const end = lineEndAt(text, pos);
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd === pos) {
      pos = end + 1; // an empty line
      continue;
    }
    quote = nextQuote(text, pos, quote);
    // The time: `YYYY-MM-DD HH:MM:SS`, its day parsed once per day.
    const timeEnd = pos + 19;
    let start = Number.NaN;
    if (text.charCodeAt(timeEnd) === 44 && text.charCodeAt(pos + 10) === 32) {
      if (day === '' || !text.startsWith(day, pos)) {
        day = text.slice(pos, pos + 10);
        dayMs = parseTimestamp(day);
      }
      start = dayMs + clockMs(text, pos + 11);
    }
    const numbers = Number.isNaN(start) ? -1 : numbersEnd(text, timeEnd + 1, lineEnd, quote);
    if (numbers === -1) {
      // The general path, for this row only.
      const bars: Bar[] = [];
      pos = ticklineRows(text, pos, 1, context, context.firstRow + n, bars);
      for (const bar of bars) keep(bar.start, barsCsvLines([bar], iso));
    } else {
      keep(start, iso(start) + text.slice(timeEnd, numbers) + '\n');
      pos = end + 1;
    }
    n++;
  }
  return { lines, first, last, next: Math.min(pos, length) };
}

/** The two-digit number at `at`; -1 when it is not two digits. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Milliseconds of `HH:MM:SS` at `at`; NaN when it is not a time of day. */
function clockMs(text: string, at: number): number {
  const h = twoDigits(text, at);
  const m = twoDigits(text, at + 3);
  const s = twoDigits(text, at + 6);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return Number.NaN;
  if (text.charCodeAt(at + 2) !== 58 || text.charCodeAt(at + 5) !== 58) return Number.NaN;
  return h * 3_600_000 + m * 60_000 + s * 1000;
}

const TRADES = 5; // index of trades among the eight printed numbers (open high low close volume trades vwap quality)

/**
 * Where the eight printed numbers from `at` end (the comma after quality) when each is written exactly
 * as the Bar path prints it and the rest of the row has the shape the fast path of ticklineRows accepts
 * (no quote before the flags; the flags empty or one quoted field); -1 otherwise. `quote`: the first
 * quote at or after the row start.
 */
function numbersEnd(text: string, at: number, lineEnd: number, quote: number): number {
  let p = at;
  for (let i = 0; i < 8; i++) {
    let comma = canonicalNumberEnd(text, p, i === TRADES);
    if (comma === -1) {
      comma = text.indexOf(',', p);
      if (comma === -1 || comma >= lineEnd) return -1;
      const field = text.slice(p, comma);
      if (printedAs(field, i === TRADES) !== field) return -1;
    }
    p = comma + 1;
  }
  const numbers = p - 1;
  // source, revision, then the flags.
  const sourceEnd = text.indexOf(',', p);
  const revisionEnd = sourceEnd === -1 ? -1 : text.indexOf(',', sourceEnd + 1);
  if (revisionEnd === -1 || revisionEnd >= lineEnd) return -1;
  const flags = revisionEnd + 1;
  if (quote < flags) return -1;
  if (flags === lineEnd) return numbers;
  if (quote !== flags || text.charCodeAt(lineEnd - 1) !== 34 || lineEnd - flags < 2) return -1;
  // Inside the outer quotes every quote is doubled.
  for (let q = text.indexOf('"', flags + 1); q !== -1 && q < lineEnd - 1; q = text.indexOf('"', q + 2)) {
    if (q + 1 >= lineEnd - 1 || text.charCodeAt(q + 1) !== 34) return -1;
  }
  return numbers;
}
