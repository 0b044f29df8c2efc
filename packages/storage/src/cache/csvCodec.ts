import type { Bar, QualityFlag, Timeframe, Venue } from '@tickline/core';
import { DAY_MS } from '@tickline/core';

/**
 * The columns Tickline writes: the old layout's six, then ours (FILECACHE.md, "What Tickline adds").
 * `quality` is the score, a number pandas reads as float; `quality_flags` (JSON, empty when clean) keeps
 * the flags so a file round-trips a Bar exactly. Readers of the old layout ignore everything after `volume`.
 */
export const CACHE_COLUMNS = [
  'timestamp',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'trades',
  'vwap',
  'quality',
  'source',
  'revision',
  'quality_flags',
] as const;

const HEADER = CACHE_COLUMNS.join(',');

/** A parsed CSV file: its header and its rows as strings, in file order. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/**
 * Formats bars (already sorted and unique) as a cache CSV. Timestamps are naive UTC; date-only when every
 * bar starts at midnight, as the old system writes its daily files.
 */
export function formatCsv(bars: readonly Bar[]): string {
  const dateOnly = bars.length > 0 && bars.every((bar) => bar.start % DAY_MS === 0);
  return `${HEADER}\n${formatCsvRows(bars, dateOnly)}`;
}

/** The data rows of formatCsv, each ending in a newline (also what an appended gzip member holds). */
export function formatCsvRows(bars: readonly Bar[], dateOnly: boolean): string {
  let text = '';
  for (const bar of bars) {
    const flags = bar.quality.flags.length === 0 ? '' : csvField(JSON.stringify(bar.quality.flags));
    text += `${formatTimestamp(bar.start, dateOnly)},${bar.open},${bar.high},${bar.low},${bar.close},${bar.volume},${bar.trades},${bar.vwap},${bar.quality.score},${csvField(bar.source)},${bar.revision},${flags}\n`;
  }
  return text;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function formatTimestamp(ms: number, dateOnly: boolean): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (dateOnly) return iso.slice(0, 10);
  const seconds = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return ms % 1000 === 0 ? seconds : `${seconds}${iso.slice(19, 23)}`;
}

/**
 * Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.fff]` (also with `T`, and a trailing `Z` or `+00:00`) as UTC,
 * or all-digit epoch seconds (10 digits) / milliseconds (13). NaN when it is none of those.
 */
export function parseTimestamp(text: string): number {
  const fast = text.length === 19 && text.charCodeAt(10) === 32 ? parseSecondsFast(text) : Number.NaN;
  if (!Number.isNaN(fast)) return fast;
  if (/^\d{13}$/.test(text)) return Number(text);
  if (/^\d{10}$/.test(text)) return Number(text) * 1000;
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?(Z|[+-]00:?00)?$/.exec(
      text,
    );
  if (match === null) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac] = match;
  return Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
    Number((frac ?? '0').padEnd(3, '0')),
  );
}

// The hot path of a year read: `YYYY-MM-DD HH:MM:SS`, the day looked up once per day, the clock by arithmetic.
const dayCache = new Map<string, number>();
function parseSecondsFast(text: string): number {
  const day = text.slice(0, 10);
  let dayMs = dayCache.get(day);
  if (dayMs === undefined) {
    dayMs = parseTimestamp(day);
    if (dayCache.size > 4096) dayCache.clear();
    dayCache.set(day, dayMs);
  }
  const digit = (i: number) => text.charCodeAt(i) - 48;
  const [h, m, sec] = [digit(11) * 10 + digit(12), digit(14) * 10 + digit(15), digit(17) * 10 + digit(18)];
  if (
    !(h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 60) ||
    text[13] !== ':' ||
    text[16] !== ':'
  ) {
    return Number.NaN;
  }
  return dayMs + h * 3_600_000 + m * 60_000 + sec * 1000;
}

/** RFC 4180 CSV (quotes, doubled quotes, quoted newlines), with a fast path for lines without quotes. */
export function parseCsv(text: string): CsvTable {
  const rows: string[][] = [];
  parseCsvRows(text, 0, Number.POSITIVE_INFINITY, rows);
  const header = normalizeHeader(rows.shift());
  return { header, rows };
}

/** Header names as compared: trimmed, lower case. */
export function normalizeHeader(names: string[] | undefined): string[] {
  return (names ?? []).map((name) => name.trim().toLowerCase());
}

/**
 * Parses up to `limit` non-empty rows of `text` from `start` (a row start) into `rows`; returns where
 * the next row starts (`text.length` at the end), so a large file can be read a slice of rows at a time.
 */
export function parseCsvRows(text: string, start: number, limit: number, rows: string[][]): number {
  let pos = start;
  const length = text.length;
  const stop = rows.length + limit;
  let quote = -1; // the next quote at or after pos, searched again only once passed (else O(n^2))
  while (pos < length && rows.length < stop) {
    const end = text.indexOf('\n', pos);
    const lineEnd = end === -1 ? length : end;
    if (quote !== Number.POSITIVE_INFINITY && quote < pos) {
      quote = text.indexOf('"', pos);
      if (quote === -1) quote = Number.POSITIVE_INFINITY;
    }
    if (quote > lineEnd) {
      const line = text.slice(
        pos,
        lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd,
      );
      if (line.length > 0) rows.push(line.split(','));
      pos = lineEnd + 1;
    } else {
      pos = parseQuotedRow(text, pos, rows);
    }
  }
  return Math.min(pos, length);
}

function parseQuotedRow(text: string, start: number, rows: string[][]): number {
  const fields: string[] = [];
  let field = '';
  let pos = start;
  let quoted = false;
  while (pos < text.length) {
    const char = text[pos]!;
    if (quoted) {
      if (char === '"' && text[pos + 1] === '"') {
        field += '"';
        pos += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n') break;
    else if (char !== '\r') field += char;
    pos++;
  }
  fields.push(field);
  rows.push(fields);
  return pos + 1;
}

/** What a file does not say about its bars. */
export interface RowContext {
  venue: Venue;
  symbol: string;
  timeframe: Timeframe;
  /** `source` of rows without a source column (old-layout files): their provider. */
  defaultSource: string;
}

/** The problem with a row that cannot become a bar. */
export class RowError extends Error {}

/**
 * Maps rows to bars by column NAME, so extra columns in any order are fine. Old-layout files lack our
 * columns: trades come from `number_of_trades` or `bar_count` (else 0); vwap from
 * `quote_asset_volume / volume` (Binance) else the typical price (high+low+close)/3; quality is 1 with
 * no flags; revision 0; every cached bar is final (the cache stores only final bars). `firstRow`: how
 * many data rows of the file precede `table.rows` (for the row numbers of errors).
 */
export function rowsToBars(table: CsvTable, context: RowContext, firstRow = 0): Bar[] {
  const at = (name: string) => table.header.indexOf(name);
  const col = {
    timestamp: firstColumn(table.header, ['timestamp', 'datetime', 'date', 'time', 'open_time']),
    open: at('open'),
    high: at('high'),
    low: at('low'),
    close: at('close'),
    volume: at('volume'),
  };
  for (const [name, index] of Object.entries(col)) {
    if (index === -1) throw new RowError(`no ${name} column in header ${table.header.join(',')}`);
  }
  const trades = firstColumn(table.header, ['trades', 'number_of_trades', 'bar_count']);
  const [vwap, quoteVolume, quality, source, revision, flags] = [
    at('vwap'),
    at('quote_asset_volume'),
    at('quality'),
    at('source'),
    at('revision'),
    at('quality_flags'),
  ];
  const bars: Bar[] = new Array<Bar>(table.rows.length);
  for (let i = 0; i < table.rows.length; i++) {
    // A plain loop without per-row closures or arrays: this runs 525,600 times for a year of 1m bars.
    const row = table.rows[i]!;
    const start = parseTimestamp(row[col.timestamp] ?? '');
    const open = Number(row[col.open]);
    const high = Number(row[col.high]);
    const low = Number(row[col.low]);
    const close = Number(row[col.close]);
    const volume = Number(row[col.volume]);
    if (!(Number.isFinite(start) && Number.isFinite(open + high + low + close + volume))) {
      throw new RowError(`row ${firstRow + i + 2} is not a bar: ${row.join(',').slice(0, 120)}`);
    }
    const flagsText = flags === -1 ? '' : (row[flags] ?? '');
    const sourceText = source === -1 ? '' : (row[source] ?? '');
    bars[i] = {
      venue: context.venue,
      symbol: context.symbol,
      timeframe: context.timeframe,
      start,
      open,
      high,
      low,
      close,
      volume,
      trades: trades === -1 ? 0 : Math.round(Number(row[trades])) || 0,
      vwap:
        vwap !== -1 ? Number(row[vwap]) : fallbackVwap(Number(row[quoteVolume]), volume, high, low, close),
      final: true,
      revision: revision === -1 ? 0 : Number(row[revision]) || 0,
      quality: {
        score: quality === -1 ? 1 : Number(row[quality]),
        flags: flagsText === '' ? [] : (JSON.parse(flagsText) as QualityFlag[]),
      },
      source: sourceText === '' ? context.defaultSource : sourceText,
    };
  }
  return bars;
}

function firstColumn(header: string[], names: string[]): number {
  for (const name of names) {
    const index = header.indexOf(name);
    if (index !== -1) return index;
  }
  return -1;
}

function fallbackVwap(quoteVolume: number, volume: number, high: number, low: number, close: number): number {
  if (Number.isFinite(quoteVolume) && volume > 0 && quoteVolume > 0) return quoteVolume / volume;
  return (high + low + close) / 3;
}
