import type { Bar, Timeframe, Venue } from '@tickline/core';
import { comparePrecedence, mergeByPrecedence } from '../precedence';
import { StorageError } from '../storageError';
import { writeFileAtomic } from './atomicWrite';
import { appendToYear } from './appendYear';
import { describeYear, updateIndex, type YearMetadata } from './cacheMetadata';
import { refuseLinks } from './cacheFiles';
import { lockFileFor, yearFile, yearMetadataFile } from './cachePaths';
import { CACHE_COLUMNS, formatCsv, formatCsvRows } from './csvCodec';
import { withFileLock, type FileLockOptions } from './fileLock';
import { barSlices, gzip, isVenue, readGzipText, readYearMetadata, tailBars } from './yearFileIo';

/** What {@link writeCachedBars} did. */
export interface CacheWriteResult {
  /** Data files rewritten (unchanged files are not touched). */
  filesWritten: string[];
  /** Partial bars left out: the cache holds final bars only. */
  skippedPartial: number;
}

/**
 * Merges final bars into their year files with the database's precedence rule (precedence.ts), one
 * file at a time under that file's cross-process lock: read, merge, write atomically, then metadata,
 * then symbols.json and cache_stats.json. Bars that all start after a file's last one (live data) are
 * appended as one gzip member instead (appendYear.ts); the next merge compacts the file again. A file that cannot be read is an error, never overwritten;
 * a file of another venue (its metadata's data_source) is refused: one source per file.
 * Writing the same bars again leaves every file byte-identical.
 */
export async function writeCachedBars(
  root: string,
  bars: readonly Bar[],
  options: FileLockOptions = {},
): Promise<CacheWriteResult> {
  const groups = new Map<string, Bar[]>();
  let skippedPartial = 0;
  for (const bar of bars) {
    if (!bar.final) {
      skippedPartial++;
      continue;
    }
    const file = yearFile(root, bar.symbol, bar.timeframe, new Date(bar.start).getUTCFullYear());
    const key = `${bar.venue}\u0000${file}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [bar]);
    else group.push(bar);
  }
  const filesWritten: string[] = [];
  const metadata: YearMetadata[] = [];
  for (const group of groups.values()) {
    const meta = await mergeIntoYear(root, group, options);
    if (meta !== undefined) {
      metadata.push(meta);
      filesWritten.push(yearFile(root, meta.symbol, meta.timeframe as Timeframe, meta.year));
    }
  }
  await updateIndex(root, metadata);
  return { filesWritten, skippedPartial };
}

async function mergeIntoYear(
  root: string,
  bars: Bar[],
  options: FileLockOptions,
): Promise<YearMetadata | undefined> {
  const { venue, symbol, timeframe, start } = bars[0]!;
  const year = new Date(start).getUTCFullYear();
  const file = yearFile(root, symbol, timeframe, year);
  await refuseLinks(root, [file, yearMetadataFile(file)]); // never written through a link
  return withFileLock(
    lockFileFor(file),
    async () => {
      const previous = await readYearMetadata(file);
      checkVenue(file, previous, venue);
      const incoming = sortedBars(mergeByPrecedence([], bars).values());
      const appended = await appendToYear(file, incoming, previous);
      if (appended !== undefined) return appended;
      const context = { venue, symbol, timeframe, defaultSource: previous?.provider_info?.name ?? venue };
      const text = await readGzipText(file);
      const stored =
        text !== undefined && ourColumns(previous)
          ? tailBars(file, text, context, incoming[0]!.start)
          : undefined;
      if (stored !== undefined) {
        // A replay after a crash re-sends bars the file already holds: only the rest is written, and
        // when that rest is all newer than the file (the usual case), as an append.
        const effective = changing(stored, incoming);
        if (effective.length === 0) return undefined;
        const tail = await appendToYear(file, effective, previous);
        if (tail !== undefined) return tail;
      }
      const existing: Bar[] = [];
      if (text !== undefined)
        for (const slice of barSlices(file, text, context)) for (const bar of slice) existing.push(bar);
      const merged = sortedBars(mergeByPrecedence(existing, bars).values());
      if (existing.length > 0 && sameBars(existing, merged)) return undefined;
      return writeYear(file, merged, { symbol, timeframe, year, venue }, previous);
    },
    options,
  );
}

/** Writes a year's sorted, unique bars and their metadata (the caller holds the file's lock). */
export async function writeYear(
  file: string,
  bars: readonly Bar[],
  key: { symbol: string; timeframe: Timeframe; year: number; venue: Venue },
  previous: YearMetadata | undefined,
): Promise<YearMetadata> {
  const data = await gzip(formatCsv(bars));
  await writeFileAtomic(file, data);
  const meta = describeYear(bars, key, data.length, previous, new Date());
  await writeFileAtomic(yearMetadataFile(file), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

function checkVenue(file: string, meta: YearMetadata | undefined, venue: Venue): void {
  const source = meta?.data_source;
  if (isVenue(source) && source !== venue) {
    throw new StorageError(
      'CACHE_SOURCE_MISMATCH',
      `${file} holds ${source} bars; refusing to mix in ${venue} bars (one source per file: give each venue its own cache root)`,
    );
  }
}

/** Whether the file has Tickline's columns (an old-layout file is rewritten in them on any change). */
function ourColumns(meta: YearMetadata | undefined): boolean {
  return meta?.file_info?.columns?.join(',') === CACHE_COLUMNS.join(',');
}

/** The incoming bars (sorted, unique) that win by precedence over the stored ones AND change their row. */
function changing(existing: readonly Bar[], incoming: readonly Bar[]): Bar[] {
  const stored = new Map(existing.map((bar) => [bar.start, bar]));
  return incoming.filter((bar) => {
    const current = stored.get(bar.start);
    if (current === undefined) return true;
    return (
      comparePrecedence(bar, current) >= 0 && formatCsvRows([bar], false) !== formatCsvRows([current], false)
    );
  });
}

export function sortedBars(bars: Iterable<Bar>): Bar[] {
  return [...bars].sort((a, b) => a.start - b.start);
}

/** Compared as the file would hold them, so field order and an omitted `end` do not count as change. */
function sameBars(a: readonly Bar[], b: readonly Bar[]): boolean {
  return a.length === b.length && formatCsv(a) === formatCsv(b);
}
