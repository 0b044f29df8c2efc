import type { Bar, Timeframe, Venue } from '@tickline/core';
import { checkRange } from '../db/queryBars';
import { mergeByPrecedence } from '../precedence';
import { StorageError } from '../storageError';
import { pipelineFile, yearFile } from './cachePaths';
import { isVenue, readBarsFile, readYearMetadata } from './yearFileIo';
import { sortedBars } from './writeCachedBars';

/** Bars of one symbol and timeframe starting in [from, to) (epoch ms). */
export interface CacheQuery {
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  /** The venue of files whose metadata does not name one (old caches); required for those. */
  venue?: Venue;
}

/**
 * Reads cached bars in start order: Tickline's files and the old layout alike (date-only timestamps,
 * extra columns in any order, the pipeline's `{T}/{T}-1m.csv.gz`). Duplicate timestamps resolve with the
 * precedence rule, the later row winning a tie (the old system's writers kept the last). A file that
 * cannot be read is a CACHE_CORRUPT error naming it, never silently skipped.
 */
export async function readCachedBars(root: string, query: CacheQuery): Promise<Bar[]> {
  checkRange(query);
  if (query.from === query.to) return [];
  const files: string[] = [];
  const lastYear = new Date(query.to - 1).getUTCFullYear();
  for (let year = new Date(query.from).getUTCFullYear(); year <= lastYear; year++) {
    files.push(yearFile(root, query.symbol, query.timeframe, year));
  }
  if (query.timeframe === '1m') files.unshift(pipelineFile(root, query.symbol));
  const found: Bar[] = [];
  for (const file of files) {
    const bars = await readFile(file, query);
    if (bars !== undefined)
      for (const bar of bars) if (bar.start >= query.from && bar.start < query.to) found.push(bar);
  }
  return strictlyAscending(found) ? found : sortedBars(mergeByPrecedence([], found).values());
}

/** One compacted file (the usual case) needs no merge: skipping it halves the read time of a year. */
function strictlyAscending(bars: readonly Bar[]): boolean {
  for (let i = 1; i < bars.length; i++) if (bars[i]!.start <= bars[i - 1]!.start) return false;
  return true;
}

async function readFile(file: string, query: CacheQuery): Promise<Bar[] | undefined> {
  const meta = await readYearMetadata(file);
  const venue = isVenue(meta?.data_source) ? meta.data_source : query.venue;
  const defaultSource = meta?.provider_info?.name ?? meta?.data_source ?? 'import';
  const bars = await readBarsFile(file, {
    venue: venue ?? 'binance',
    symbol: query.symbol,
    timeframe: query.timeframe,
    defaultSource,
  });
  if (bars !== undefined && venue === undefined) {
    throw new StorageError(
      'CACHE_BAD_PATH',
      `${file} does not say which venue its bars come from (no known data_source in its metadata): pass venue in the query`,
    );
  }
  return bars;
}
