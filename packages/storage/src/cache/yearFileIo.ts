import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { lineTooLong, longLineIn, MAX_LINE_LENGTH, VENUES, type Bar, type Venue } from '@tickline/core';
import { StorageError } from '../storageError';
import { rowsAscending } from './ascendingRows';
import {
  CACHE_COLUMNS,
  normalizeHeader,
  parseCsvRows,
  parseTimestamp,
  rowsToBars,
  RowError,
  type RowContext,
} from './csvCodec';
import { ticklineRows } from './ticklineRows';
import { csvTextOf, csvTextRows, type CsvText } from './csvTextRows';
import { readJson, type YearMetadata } from './cacheMetadata';
import { yearMetadataFile } from './cachePaths';
import { readCacheFile } from './cacheFiles';

export const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/**
 * The gzip bytes of `file`, decompressed; undefined when it does not exist; CACHE_CORRUPT when unreadable
 * or holding a line longer than MAX_LINE_LENGTH (named by number); CACHE_SYMLINK when it is a link (never
 * followed: readCacheFile).
 */
export async function readGzipText(file: string): Promise<string | undefined> {
  const compressed = await readCacheFile(file);
  if (compressed === undefined) return undefined;
  let text: string;
  try {
    text = (await gunzip(compressed)).toString('utf8');
  } catch (error) {
    throw new StorageError(
      'CACHE_CORRUPT',
      `${file} is not a readable gzip file (${(error as Error).message}); run cache verify/repair`,
      {
        cause: error,
      },
    );
  }
  const long = longLineIn(text);
  if (long !== undefined) {
    const problem = lineTooLong(file, long.line, MAX_LINE_LENGTH).message;
    throw new StorageError('CACHE_CORRUPT', `${problem}; run cache verify/repair`);
  }
  return text;
}

// Rows are parsed a slice at a time: the strings of a slice die young, where a year's 6 million field
// strings held at once were promoted and cost more in garbage collection than the parsing itself.
const SLICE_ROWS = 8192;

/**
 * The bars of a data file's text, a slice of rows at a time, in file order; CACHE_CORRUPT names the file.
 * `from`: where to start (a row start after the header; default the first row).
 */
export function* barSlices(file: string, text: string, context: RowContext, from = 0): Generator<Bar[]> {
  const corrupt = (error: unknown) => corruptFile(file, error);
  const first: string[][] = [];
  let pos = Math.max(parseCsvRows(text, 0, 1, first), from);
  const header = normalizeHeader(first[0]);
  const ours = header.join(',') === CACHE_COLUMNS.join(',');
  let done = 0;
  do {
    let bars: Bar[] = [];
    try {
      if (ours) {
        pos = ticklineRows(text, pos, SLICE_ROWS, context, done, bars);
      } else {
        const rows: string[][] = [];
        pos = parseCsvRows(text, pos, SLICE_ROWS, rows);
        bars = rowsToBars({ header, rows }, context, done); // also checks the header of an empty file
      }
    } catch (error) {
      throw corrupt(error);
    }
    done += bars.length;
    if (bars.length > 0) yield bars;
  } while (pos < text.length);
}

/**
 * The rows of a data file's text in [range.from, range.to) as the bars CSV (csvTextRows), a slice of rows
 * at a time, in file order; the same text as barsCsvLines of barSlices' bars. CACHE_CORRUPT names the file.
 */
export function* csvSlices(
  file: string,
  text: string,
  context: RowContext,
  range: { from: number; to: number },
  iso: (ms: number) => string,
): Generator<CsvText> {
  const first: string[][] = [];
  const start = parseCsvRows(text, 0, 1, first);
  if (normalizeHeader(first[0]).join(',') !== CACHE_COLUMNS.join(',')) {
    for (const bars of barSlices(file, text, context)) {
      yield csvTextOf(
        bars.filter((bar) => bar.start >= range.from && bar.start < range.to),
        iso,
      );
    }
    return;
  }
  let pos = start;
  let done = 0;
  while (pos < text.length) {
    let piece: ReturnType<typeof csvTextRows>;
    try {
      piece = csvTextRows(text, pos, SLICE_ROWS, { ...context, firstRow: done }, range, iso);
    } catch (error) {
      throw corruptFile(file, error);
    }
    done += SLICE_ROWS;
    pos = piece.next;
    yield piece;
  }
}

/**
 * The bars of a file's text that start at or after `from`, found by walking back from the end (a replay
 * after a crash touches the last rows only, and parsing a whole year for it stalled the sink); undefined
 * when the rows are not strictly ascending, which the walk relies on.
 */
export function tailBars(file: string, text: string, context: RowContext, from: number): Bar[] | undefined {
  const dataStart = parseCsvRows(text, 0, 1, []);
  if (!rowsAscending(text, dataStart)) return undefined;
  let start = text.length; // the earliest row kept
  while (start > dataStart) {
    const row = Math.max(text.lastIndexOf('\n', start - 2) + 1, dataStart);
    // A blank line (or a lone \r) has no comma: searching on from it would cross the rows already walked,
    // for each blank line again (a run of them cost quadratic time). Every other row has one (rowsAscending).
    const comma = start - row > 2 ? text.indexOf(',', row) : -1;
    if (comma !== -1 && comma < start && parseTimestamp(text.slice(row, comma)) < from) break;
    start = row;
  }
  const bars: Bar[] = [];
  for (const slice of barSlices(file, text, context, start)) for (const bar of slice) bars.push(bar);
  return bars;
}

/** A row problem as CACHE_CORRUPT naming the file; any other error as it is. */
function corruptFile(file: string, error: unknown): unknown {
  if (!(error instanceof RowError) && !(error instanceof SyntaxError)) return error;
  return new StorageError('CACHE_CORRUPT', `${file}: ${error.message}; run cache verify/repair`, {
    cause: error,
  });
}

export function isVenue(value: unknown): value is Venue {
  return typeof value === 'string' && (VENUES as readonly string[]).includes(value);
}

/**
 * A year file's metadata, or undefined when missing or unreadable (verify reports the latter);
 * CACHE_SYMLINK when it is a link.
 */
export async function readYearMetadata(dataFile: string): Promise<YearMetadata | undefined> {
  return readJson<YearMetadata>(yearMetadataFile(dataFile)).catch((error) => {
    if (error instanceof StorageError && error.code === 'CACHE_SYMLINK') throw error;
    return undefined;
  });
}
