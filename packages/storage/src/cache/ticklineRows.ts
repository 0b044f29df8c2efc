import type { Bar, QualityFlag } from '@tickline/core';
import { CACHE_COLUMNS, parseCsvRows, parseTimestamp, rowsToBars, type RowContext } from './csvCodec';

const HEADER = [...CACHE_COLUMNS];
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The number written in text[start, end), read without cutting a string out of the text. Plain decimals
 * of at most 15 digits take the exact fast path (an integer below 2^53 divided by an exact power of ten
 * is correctly rounded, so the result equals Number()); anything else goes to Number().
 */
export function decimalAt(text: string, start: number, end: number): number {
  let i = start;
  const negative = text.charCodeAt(i) === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && decimals === -1) {
      decimals = 0;
      continue;
    }
    if (c < 48 || c > 57) return Number(text.slice(start, end));
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    if (decimals >= 0) decimals++;
  }
  if (digits === 0 || digits > 15) return Number(text.slice(start, end));
  const value = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
  return negative ? -value : value;
}

/** Where the line at `pos` ends: its newline, or the end of the text. */
export function lineEndAt(text: string, pos: number): number {
  const end = text.indexOf('\n', pos);
  return end === -1 ? text.length : end;
}

/**
 * The first quote at or after `pos`, given the last answer `quote` (-1 at first): searched again only
 * once passed, else a file without quotes would be searched to its end for every row. Infinity when none.
 */
export function nextQuote(text: string, pos: number, quote: number): number {
  if (quote >= pos || quote === Number.POSITIVE_INFINITY) return quote;
  const next = text.indexOf('"', pos);
  return next === -1 ? Number.POSITIVE_INFINITY : next;
}

/**
 * Rows of a file with exactly Tickline's columns (CACHE_COLUMNS), decoded straight from the text: no
 * array of field strings per row, numbers read in place, the source string shared while it repeats.
 * A row it does not handle (quoted fields, i.e. quality flags; anything unexpected) goes through the
 * general parser (parseCsvRows + rowsToBars), which also raises the errors, so the bars are the same.
 * Reads up to `limit` rows from `pos` into `bars`; returns where the next row starts.
 */
export function ticklineRows(
  text: string,
  pos: number,
  limit: number,
  context: RowContext,
  firstRow: number,
  bars: Bar[],
): number {
  const length = text.length;
  let source = '';
  let quote = -1;
  for (let n = 0; n < limit && pos < length;) {
    const end = lineEndAt(text, pos);
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd === pos) {
      pos = end + 1; // an empty line
      continue;
    }
    quote = nextQuote(text, pos, quote);
    const bar = fastRow(text, pos, lineEnd, quote, context, source);
    if (bar === undefined) {
      const rows: string[][] = [];
      pos = parseCsvRows(text, pos, 1, rows);
      for (const slow of rowsToBars({ header: HEADER, rows }, context, firstRow + bars.length))
        bars.push(slow);
    } else {
      source = bar.source;
      bars.push(bar);
      pos = end + 1;
    }
    n++;
  }
  return Math.min(pos, length);
}

/**
 * One row of twelve fields whose only quoted field, if any, is the last (the flags JSON); undefined
 * when it is anything else or its numbers are not valid. `quote`: the first quote at or after `start`.
 */
function fastRow(
  text: string,
  start: number,
  end: number,
  quote: number,
  context: RowContext,
  lastSource: string,
): Bar | undefined {
  const commas: number[] = new Array<number>(11);
  let p = start;
  for (let i = 0; i < 11; i++) {
    const comma = text.indexOf(',', p);
    if (comma === -1 || comma >= end) return undefined;
    commas[i] = comma;
    p = comma + 1;
  }
  const flagsStart = commas[10]! + 1;
  let flags: QualityFlag[] = [];
  if (quote < flagsStart) return undefined;
  if (flagsStart !== end) {
    // Flags are JSON in quotes, inner quotes doubled: anything else is left to the general parser.
    if (quote !== flagsStart || text.charCodeAt(end - 1) !== 34 || end - flagsStart < 2) return undefined;
    try {
      flags = JSON.parse(text.slice(flagsStart + 1, end - 1).replaceAll('""', '"')) as QualityFlag[];
    } catch {
      return undefined;
    }
  }
  const field = (i: number) => (i === 0 ? start : commas[i - 1]! + 1);
  const number = (i: number) => decimalAt(text, field(i), commas[i]!);
  const begin = parseTimestamp(text.slice(start, commas[0]));
  const open = number(1);
  const high = number(2);
  const low = number(3);
  const close = number(4);
  const volume = number(5);
  if (!(Number.isFinite(begin) && Number.isFinite(open + high + low + close + volume))) return undefined;
  const [sourceStart, sourceEnd] = [field(9), commas[9]!];
  const source =
    sourceEnd === sourceStart
      ? context.defaultSource
      : sourceEnd - sourceStart === lastSource.length && text.startsWith(lastSource, sourceStart)
        ? lastSource
        : text.slice(sourceStart, sourceEnd);
  return {
    venue: context.venue,
    symbol: context.symbol,
    timeframe: context.timeframe,
    start: begin,
    open,
    high,
    low,
    close,
    volume,
    trades: Math.round(number(6)) || 0,
    vwap: number(7),
    final: true,
    revision: number(10) || 0,
    quality: { score: number(8), flags },
    source,
  };
}
