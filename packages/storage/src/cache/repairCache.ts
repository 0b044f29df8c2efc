import { promises as fs } from 'node:fs';
import * as zlib from 'node:zlib';
import { isTimeframe, longLineIn, type Bar, type Timeframe, type Venue } from '@tickline/core';
import { mergeByPrecedence } from '../precedence';
import { StorageError } from '../storageError';
import { fileIdentity, updateIndex, type YearMetadata } from './cacheMetadata';
import { readCacheFile } from './cacheFiles';
import { lockFileFor, yearMetadataFile } from './cachePaths';
import { parseCsv, rowsToBars, type RowContext } from './csvCodec';
import { withFileLock } from './fileLock';
import { verifyCache, verifyFile } from './verifyCache';
import { isVenue, readYearMetadata } from './yearFileIo';
import { sortedBars, writeYear } from './writeCachedBars';

/** Where repair finds the bars of a damaged year file: the CLI passes the database. */
export type RepairSource = (year: {
  /** The file's venue (from its metadata, else the `venue` option). */
  venue: Venue;
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
}) => Promise<Bar[]>;

export interface RepairAction {
  file: string;
  problems: string[];
  /** Rows still readable in the damaged file (kept: repair never drops a good row). */
  salvagedRows: number;
  /** Rows the source supplied. */
  sourceRows: number;
  /** Rows in the rewritten file. */
  writtenRows: number;
}

/**
 * Rewrites every year file that verifyCache reports (except stray temp files, which it deletes): the
 * rows still readable in the file (up to the damage) merged with the source's rows for that year, by
 * the usual precedence. Each file is rewritten atomically under its lock; returns exactly what it did.
 * Symbolic links, and year files whose metadata is one, are left alone (verify keeps reporting them).
 */
export async function repairCache(
  root: string,
  rowsFrom: RepairSource,
  options: { venue?: Venue } = {},
): Promise<RepairAction[]> {
  const report = await verifyCache(root);
  const actions: RepairAction[] = [];
  const written: YearMetadata[] = [];
  const links = new Set(
    report.bad
      .filter(({ problems }) => problems.some(({ code }) => code === 'symlink'))
      .map(({ file }) => file),
  );
  for (const { file, problems } of report.bad) {
    if (problems.every((problem) => problem.code === 'stray_temp_file')) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (links.has(file) || links.has(yearMetadataFile(file))) continue; // never written through: left to a person
    const { timeframe, year } = fileIdentity(file);
    if (!isTimeframe(timeframe) || !Number.isInteger(year)) continue; // not a year file (pipeline variant): left alone
    const repaired = await repairYearFile(file, rowsFrom, options);
    if (repaired === undefined) continue;
    written.push(repaired.meta);
    actions.push(repaired.action);
  }
  await updateIndex(root, written);
  return actions;
}

/**
 * Rewrites one damaged year file under its lock: its readable rows merged with the source's rows for its
 * year, by precedence. Undefined when the file is no longer damaged (repaired by someone else meanwhile).
 * `venue`: the file's venue when its metadata names none. The caller updates the index with `meta`.
 */
export async function repairYearFile(
  file: string,
  rowsFrom: RepairSource,
  options: { venue?: Venue } = {},
): Promise<{ action: RepairAction; meta: YearMetadata } | undefined> {
  const { symbol, timeframe, year } = fileIdentity(file);
  if (!isTimeframe(timeframe)) return undefined;
  return withFileLock(lockFileFor(file), async () => {
    const stillBad = await verifyFile(file);
    if (stillBad.length === 0) return undefined;
    const previous = await readYearMetadata(file);
    const venue = isVenue(previous?.data_source) ? previous.data_source : options.venue;
    if (venue === undefined) {
      throw new StorageError(
        'CACHE_BAD_PATH',
        `cannot repair ${file}: its metadata names no venue; pass venue`,
      );
    }
    const context = { venue, symbol, timeframe, defaultSource: previous?.provider_info?.name ?? venue };
    const salvaged = salvage((await readCacheFile(file)) ?? Buffer.alloc(0), context);
    const source = await rowsFrom({
      venue,
      symbol,
      timeframe,
      from: Date.UTC(year, 0, 1),
      to: Date.UTC(year + 1, 0, 1),
    });
    const merged = sortedBars(mergeByPrecedence(salvaged, source).values());
    const meta = await writeYear(file, merged, { symbol, timeframe, year, venue }, previous);
    const action = {
      file,
      problems: stillBad.map((problem) => `${problem.code}: ${problem.detail}`),
      salvagedRows: salvaged.length,
      sourceRows: source.length,
      writtenRows: merged.length,
    };
    return { action, meta };
  });
}

/** The whole rows readable before the damage (a flush-mode inflate stops there instead of failing). */
export function salvage(compressed: Buffer, context: RowContext): Bar[] {
  let text: string;
  try {
    text = zlib.gunzipSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  } catch {
    return []; // the damage is in the first block or a CRC failure over the whole member: nothing trustworthy
  }
  // Up to the last whole line, and never into a line over the limit (its rows are not trustworthy).
  const complete = text.slice(0, longLineIn(text)?.offset ?? text.lastIndexOf('\n') + 1);
  try {
    return rowsToBars(parseCsv(complete), context);
  } catch {
    return [];
  }
}
