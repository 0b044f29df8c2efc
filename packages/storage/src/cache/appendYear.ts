import { promises as fs } from 'node:fs';
import * as zlib from 'node:zlib';
import { isFixedTimeframe, timeframeMs, type Bar, type Timeframe } from '@tickline/core';
import { StorageError } from '../storageError';
import { writeFileAtomic, writeError } from './atomicWrite';
import type { YearMetadata } from './cacheMetadata';
import { openForWrite } from './cacheFiles';
import { yearMetadataFile } from './cachePaths';
import { CACHE_COLUMNS, formatCsvRows, formatTimestamp, parseTimestamp } from './csvCodec';
import { gzip } from './yearFileIo';

/**
 * The live case in O(batch) instead of O(file): when every new bar starts after the file's last one,
 * its rows go in as one more gzip member appended to the year file (FILECACHE.md allows "an append of a
 * whole gzip member"; gzip readers, zcat and pandas read concatenated members as one stream), and the
 * metadata is updated from the old metadata. Returns undefined when the batch must take the full
 * read-merge-rewrite path instead: no metadata, metadata not describing exactly this file (its recorded
 * size differs, e.g. after a crash between append and metadata), an old-layout file, bars not all after
 * the last one, or a date-only file receiving bars that are not at midnight.
 * The caller holds the file's lock; `bars` are sorted and unique.
 */
export async function appendToYear(
  file: string,
  bars: readonly Bar[],
  previous: YearMetadata | undefined,
): Promise<YearMetadata | undefined> {
  if (previous?.end_date == null || previous.file_info?.size_bytes === undefined) return undefined;
  if (previous.file_info.columns?.join(',') !== CACHE_COLUMNS.join(',')) return undefined;
  const last = parseTimestamp(previous.end_date);
  if (!(bars[0]!.start > last)) return undefined;
  const size = await sizeOf(file, previous.file_info.size_bytes);
  if (size !== previous.file_info.size_bytes) return undefined;
  const fileDateOnly = await startsDateOnly(file);
  const dateOnly = fileDateOnly && bars.every((bar) => bar.start % 86_400_000 === 0);
  if (fileDateOnly && !dateOnly) return undefined;
  const member = await gzip(formatCsvRows(bars, dateOnly));
  await appendWhole(file, member, size);
  const meta = appendedMetadata(previous, bars, last, size + member.length, new Date());
  try {
    await writeFileAtomic(yearMetadataFile(file), `${JSON.stringify(meta, null, 2)}\n`);
  } catch (error) {
    // Without its metadata the batch did not happen: the data file goes back to what it was.
    await fs.truncate(file, size);
    throw writeError(file, error instanceof StorageError ? error.cause : error);
  }
  return meta;
}

/**
 * The file's size, after cutting off a trailing member that a killed writer left incomplete: the bytes
 * past the recorded size are dropped only when they do not decompress (their bars were never
 * acknowledged, so the sink writes them again); a complete extra member is kept for the merge path.
 */
async function sizeOf(file: string, recorded: number): Promise<number> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat === undefined || stat.size <= recorded) return stat?.size ?? -1;
  const handle = await openForWrite(file);
  try {
    const tail = Buffer.alloc(stat.size - recorded);
    await handle.read(tail, 0, tail.length, recorded);
    try {
      zlib.gunzipSync(tail);
      return stat.size;
    } catch {
      await handle.truncate(recorded);
      await handle.sync();
      return recorded;
    }
  } finally {
    await handle.close();
  }
}

/** Whether the file's first data row has a date-only timestamp (a file whose bars all start at midnight). */
async function startsDateOnly(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    let text: string;
    try {
      text = zlib
        .gunzipSync(head.subarray(0, bytesRead), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
        .toString('utf8');
    } catch (error) {
      // Damage in the first block: the same error a whole read gives, so the sink heals the file.
      throw new StorageError(
        'CACHE_CORRUPT',
        `${file} is not a readable gzip file (${(error as Error).message}); run cache verify/repair`,
        { cause: error },
      );
    }
    const row = text.split('\n')[1] ?? '';
    return row.indexOf(',') === 10;
  } finally {
    await handle.close();
  }
}

/** Appends `data` in one write and fsyncs; on failure (a full disk) cuts the file back to `size`. */
async function appendWhole(file: string, data: Buffer, size: number): Promise<void> {
  const handle = await openForWrite(file);
  try {
    await handle.write(data, 0, data.length, size);
    await handle.sync();
  } catch (error) {
    await handle.truncate(size).catch(() => undefined);
    throw writeError(file, error);
  } finally {
    await handle.close();
  }
}

/** The metadata after appending `bars` (all after `last`): what describeYear gives for the whole file. */
export function appendedMetadata(
  previous: YearMetadata,
  bars: readonly Bar[],
  last: number,
  sizeBytes: number,
  now: Date,
): YearMetadata {
  const rows = previous.file_info.rows + bars.length;
  const added = bars.reduce((sum, bar) => sum + bar.quality.score, 0);
  const score = (previous.data_quality.score * previous.file_info.rows + added) / rows;
  let gaps = previous.data_quality.gaps;
  const timeframe = previous.timeframe as Timeframe;
  if (isFixedTimeframe(timeframe)) {
    const step = timeframeMs(timeframe);
    let before = last;
    for (const bar of bars) {
      if (bar.start - before > step) gaps++;
      before = bar.start;
    }
  }
  return {
    ...previous,
    last_updated: now.toISOString(),
    end_date: formatTimestamp(bars[bars.length - 1]!.start, false),
    data_quality: { ...previous.data_quality, score: Math.round(score * 1e6) / 1e6, gaps },
    file_info: { ...previous.file_info, size_bytes: sizeBytes, rows },
  };
}
