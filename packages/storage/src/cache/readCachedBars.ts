import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Bar, Timeframe, Venue } from '@tickline/core';
import { checkRange } from '../db/queryBars';
import { mergeByPrecedence } from '../precedence';
import { StorageError } from '../storageError';
import { rowsAscending } from './ascendingRows';
import { cacheFileExists, checkCacheDirs, symlinkError } from './cacheFiles';
import { pipelineFile, yearFile } from './cachePaths';
import { parseCsvRows, type RowContext } from './csvCodec';
import { barSlices, csvSlices, isVenue, readGzipText, readYearMetadata } from './yearFileIo';
import { csvTextOf, type CsvText } from './csvTextRows';
import { barsCsvLines, isoTimeFormatter } from '../barsCsv';
import { sortedBars } from './writeCachedBars';

/** Bars of one symbol and timeframe starting in [from, to) (epoch ms). */
export interface CacheQuery {
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  /** The venue of files whose metadata does not name one (old caches); required for those. */
  venue?: Venue;
  /** Stops the read (with the signal's reason) before the next file or chunk: the reader went away. */
  signal?: AbortSignal;
}

/**
 * Reads cached bars in start order: Tickline's files and the old layout alike (date-only timestamps,
 * extra columns in any order, the pipeline's `{T}/{T}-1m.csv.gz`). Duplicate timestamps resolve with the
 * precedence rule, the later row winning a tie (the old system's writers kept the last). A file that
 * cannot be read is a CACHE_CORRUPT error naming it, never silently skipped.
 */
export async function readCachedBars(root: string, query: CacheQuery): Promise<Bar[]> {
  const bars: Bar[] = [];
  for await (const chunk of readCachedBarChunks(root, query)) for (const bar of chunk) bars.push(bar);
  return bars;
}

/**
 * The bars of {@link readCachedBars} as chunks in start order, so a reader that handles each chunk and
 * drops it never holds a year of bars. A year file whose rows are already strictly ascending (what
 * Tickline writes) is parsed and handed out a slice at a time; any other file is parsed whole and merged
 * by precedence first. An old cache's pipeline file (1m) may overlap the year files: then everything is
 * merged and comes as one chunk.
 */
export async function* readCachedBarChunks(root: string, query: CacheQuery): AsyncGenerator<Bar[]> {
  checkRange(query);
  if (query.from === query.to) return;
  const files = await yearFiles(root, query);
  const pipeline = pipelineFile(root, query.symbol);
  if (query.timeframe === '1m' && (await pipelineExists(root, pipeline))) {
    const all: Bar[] = [];
    for (const file of [pipeline, ...files])
      for await (const chunk of fileChunks(file, query)) for (const bar of chunk) all.push(bar);
    if (all.length > 0) yield sortedBars(mergeByPrecedence([], all).values());
    return;
  }
  let last = Number.NEGATIVE_INFINITY;
  for (const file of files) {
    query.signal?.throwIfAborted();
    for await (const chunk of fileChunks(file, query)) {
      query.signal?.throwIfAborted();
      if (chunk[0]!.start <= last) throw outOfOrder(file);
      last = chunk[chunk.length - 1]!.start;
      yield chunk;
    }
  }
}

/** A file's text and what its rows do not say; undefined when the file does not exist. */
async function openFile(
  file: string,
  query: CacheQuery,
): Promise<{ text: string; context: RowContext } | undefined> {
  const context = await fileContext(file, query);
  const text = await readGzipText(file);
  if (text === undefined) return undefined;
  if (context.venue === undefined) {
    throw new StorageError(
      'CACHE_BAD_PATH',
      `${file} does not say which venue its bars come from (no known data_source in its metadata): pass venue in the query`,
    );
  }
  return { text, context: { ...context, venue: context.venue } };
}

/** One file's bars in [from, to), in start order and unique: slices when the file is ascending, else one merged chunk. */
async function* fileChunks(file: string, query: CacheQuery): AsyncGenerator<Bar[]> {
  const opened = await openFile(file, query);
  if (opened === undefined) return;
  const { text, context } = opened;
  const inRange = (bar: Bar) => bar.start >= query.from && bar.start < query.to;
  if (rowsAscending(text, parseCsvRows(text, 0, 1, []))) {
    for (const slice of barSlices(file, text, context)) {
      const kept = slice.filter(inRange);
      if (kept.length > 0) yield kept;
    }
    return;
  }
  const merged = mergedBars(file, text, context, query);
  if (merged.length > 0) yield merged;
}

/** The bars of a file in [from, to) whose rows are not strictly ascending: merged by precedence, sorted. */
function mergedBars(file: string, text: string, context: RowContext, query: CacheQuery): Bar[] {
  const all: Bar[] = [];
  for (const slice of barSlices(file, text, context))
    for (const bar of slice) if (bar.start >= query.from && bar.start < query.to) all.push(bar);
  return all.length === 0 ? [] : sortedBars(mergeByPrecedence([], all).values());
}

/**
 * The bars of {@link readCachedBarChunks} as the bars CSV (barsCsv.ts, without its header), in pieces:
 * the text barsCsvLines gives for those bars, but the rows of a Tickline year file in start order
 * become text straight from the file's (csvTextRows), with no Bar built for them.
 */
export async function* readCachedBarsCsv(root: string, query: CacheQuery): AsyncGenerator<string> {
  checkRange(query);
  if (query.from === query.to) return;
  const iso = isoTimeFormatter();
  if (query.timeframe === '1m' && (await pipelineExists(root, pipelineFile(root, query.symbol)))) {
    for await (const chunk of readCachedBarChunks(root, query)) yield barsCsvLines(chunk, iso);
    return;
  }
  let last = Number.NEGATIVE_INFINITY;
  for (const file of await yearFiles(root, query)) {
    for await (const piece of fileCsv(file, query, iso)) {
      if (piece.first <= last) throw outOfOrder(file);
      last = piece.last;
      yield piece.lines;
    }
  }
}

/** One file's rows in [from, to) as CsvText pieces (none empty). */
async function* fileCsv(
  file: string,
  query: CacheQuery,
  iso: (ms: number) => string,
): AsyncGenerator<CsvText> {
  const opened = await openFile(file, query);
  if (opened === undefined) return;
  const { text, context } = opened;
  if (rowsAscending(text, parseCsvRows(text, 0, 1, []))) {
    for (const piece of csvSlices(file, text, context, query, iso)) if (piece.lines !== '') yield piece;
    return;
  }
  const merged = mergedBars(file, text, context, query);
  if (merged.length > 0) yield csvTextOf(merged, iso);
}

/**
 * The year files of the query's range that exist, in order: the timeframe directory is listed and its
 * years intersected with the range, so a range of many years costs one readdir, not one open per year.
 * A linked directory on the way or a year file in range that is a link is CACHE_SYMLINK.
 */
async function yearFiles(root: string, query: CacheQuery): Promise<string[]> {
  const first = yearFile(root, query.symbol, query.timeframe, 0);
  const dir = path.dirname(first);
  if (!(await checkCacheDirs(root, dir))) return [];
  const [fromYear, toYear] = [new Date(query.from).getUTCFullYear(), new Date(query.to - 1).getUTCFullYear()];
  const years: { year: number; link: boolean }[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const match = /^(-?\d+)\.csv\.gz$/.exec(entry.name);
    const year = Number(match?.[1]);
    if (match === null || String(year) !== match[1] || year < fromYear || year > toYear) continue;
    years.push({ year, link: entry.isSymbolicLink() });
  }
  years.sort((a, b) => a.year - b.year);
  const files = years.map(({ year }) => yearFile(root, query.symbol, query.timeframe, year));
  const link = years.findIndex((entry) => entry.link);
  if (link !== -1) throw await symlinkError(files[link]!);
  return files;
}

function outOfOrder(file: string): StorageError {
  return new StorageError(
    'CACHE_CORRUPT',
    `${file} holds bars that belong before the previous year file's; run cache verify/repair`,
  );
}

async function fileContext(
  file: string,
  query: CacheQuery,
): Promise<Omit<RowContext, 'venue'> & { venue: Venue | undefined }> {
  const meta = await readYearMetadata(file);
  return {
    venue: isVenue(meta?.data_source) ? meta.data_source : query.venue,
    symbol: query.symbol,
    timeframe: query.timeframe,
    defaultSource: meta?.provider_info?.name ?? meta?.data_source ?? 'import',
  };
}

/** Whether the old pipeline file exists, checked without following links (CACHE_SYMLINK). */
async function pipelineExists(root: string, file: string): Promise<boolean> {
  return (await checkCacheDirs(root, path.dirname(file))) && cacheFileExists(file);
}
