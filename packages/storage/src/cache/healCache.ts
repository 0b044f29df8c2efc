import { promises as fs } from 'node:fs';
import { isFixedTimeframe, timeframeMs, type Bar, type Timeframe, type Venue } from '@tickline/core';
import { mergeByPrecedence } from '../precedence';
import { parseTimestamp } from './csvCodec';
import { fileIdentity, updateIndex, type YearMetadata } from './cacheMetadata';
import { readCacheFile } from './cacheFiles';
import { lockFileFor, yearFile, yearMetadataFile } from './cachePaths';
import { withFileLock } from './fileLock';
import { repairYearFile, salvage, type RepairSource } from './repairCache';
import { verifyFile, type CacheProblem } from './verifyCache';
import { isVenue, readYearMetadata } from './yearFileIo';
import { sortedBars, writeYear } from './writeCachedBars';

/** What {@link healYearFiles} did to one damaged year file. */
export interface HealAction {
  file: string;
  venue: Venue;
  symbol: string;
  timeframe: Timeframe;
  /** `repaired` from the source (the database), or `quarantined`: kept aside, a new file started. */
  action: 'repaired' | 'quarantined';
  problems: string[];
  /** Where the damaged file was kept (quarantine only): `<file>.damaged-<UTC time>` beside it. */
  quarantinedAs?: string;
  /** Rows still readable in the damaged file (kept in the new one). */
  salvagedRows: number;
  /** Rows the source supplied (0 when quarantined). */
  sourceRows: number;
  /** Rows in the new file. */
  writtenRows: number;
  /** `[from, to)` ranges the damaged file held (by its metadata) and the new one lacks: holes to backfill. */
  lost: { from: number; to: number }[];
}

/** The problems that stop a write: the file cannot be read as bars (order and metadata do not stop it). */
const BLOCKING = new Set(['truncated', 'corrupt', 'bad_rows']);

/**
 * Heals the damaged year files that the final bars of `bars` would be written to, each under its lock, so
 * that writing the bars can go on: with `rowsFrom` (the database) a file is repaired as `tickline cache
 * repair` does (repairYearFile); without, it is quarantined, renamed `<file>.damaged-<UTC time>` beside it
 * and never touched again, and a new file is started from the rows still readable in it, the rest of
 * what its metadata says it held reported in `lost`. Files that are not damaged are left alone.
 */
export async function healYearFiles(
  root: string,
  bars: readonly Bar[],
  options: { rowsFrom?: RepairSource; now?: () => number } = {},
): Promise<HealAction[]> {
  const files = new Map<string, Bar>();
  for (const bar of bars) {
    if (!bar.final) continue;
    const file = yearFile(root, bar.symbol, bar.timeframe, new Date(bar.start).getUTCFullYear());
    if (!files.has(file)) files.set(file, bar);
  }
  const actions: HealAction[] = [];
  const written: YearMetadata[] = [];
  for (const [file, { venue, symbol, timeframe }] of files) {
    if (blocking(await verifyFile(file)).length === 0) continue;
    const identity = { file, venue, symbol, timeframe };
    if (options.rowsFrom !== undefined) {
      const repaired = await repairYearFile(file, options.rowsFrom, { venue });
      if (repaired === undefined) continue;
      written.push(repaired.meta);
      actions.push({ ...identity, ...repaired.action, action: 'repaired', lost: [] });
    } else {
      const quarantined = await quarantineYearFile(identity, options.now?.() ?? Date.now());
      if (quarantined === undefined) continue;
      if (quarantined.meta !== undefined) written.push(quarantined.meta);
      actions.push(quarantined.action);
    }
  }
  await updateIndex(root, written);
  return actions;
}

function blocking(problems: readonly CacheProblem[]): CacheProblem[] {
  return problems.filter((problem) => BLOCKING.has(problem.code));
}

async function quarantineYearFile(
  identity: Pick<HealAction, 'file' | 'venue' | 'symbol' | 'timeframe'>,
  now: number,
): Promise<{ action: HealAction; meta?: YearMetadata } | undefined> {
  const { file, symbol, timeframe } = identity;
  return withFileLock(lockFileFor(file), async () => {
    const problems = blocking(await verifyFile(file));
    if (problems.length === 0) return undefined; // healed by someone else meanwhile
    const previous = await readYearMetadata(file);
    const venue = isVenue(previous?.data_source) ? previous.data_source : identity.venue;
    const context = { venue, symbol, timeframe, defaultSource: previous?.provider_info?.name ?? venue };
    const salvaged = sortedBars(
      mergeByPrecedence([], salvage((await readCacheFile(file)) ?? Buffer.alloc(0), context)).values(),
    );
    const quarantinedAs = `${file}.damaged-${new Date(now).toISOString().replace(/[-:]/g, '')}`;
    await fs.rename(file, quarantinedAs);
    const { year } = fileIdentity(file);
    let meta: YearMetadata | undefined;
    if (salvaged.length > 0)
      meta = await writeYear(file, salvaged, { symbol, timeframe, year, venue }, previous);
    else await fs.rm(yearMetadataFile(file), { force: true });
    const action: HealAction = {
      ...identity,
      venue,
      action: 'quarantined',
      problems: problems.map((problem) => `${problem.code}: ${problem.detail}`),
      quarantinedAs,
      salvagedRows: salvaged.length,
      sourceRows: 0,
      writtenRows: salvaged.length,
      lost: lostRange(previous, salvaged.at(-1), timeframe, year, now),
    };
    return { action, meta };
  });
}

/**
 * What the damaged file held after its last readable row: up to its metadata's end_date (its last bar)
 * when known, else to the end of the year or now, whichever is first. Holds nothing when the readable
 * rows reach the metadata's last bar.
 */
function lostRange(
  previous: YearMetadata | undefined,
  lastGood: Bar | undefined,
  timeframe: Timeframe,
  year: number,
  now: number,
): { from: number; to: number }[] {
  const step = isFixedTimeframe(timeframe) ? timeframeMs(timeframe) : 31 * 86_400_000;
  const yearStart = Date.UTC(year, 0, 1);
  const yearEnd = Date.UTC(year + 1, 0, 1);
  const known = (value: string | null | undefined) => {
    const ms = value ? parseTimestamp(value) : Number.NaN;
    return Number.isFinite(ms) ? ms : undefined;
  };
  const start = known(previous?.start_date);
  const end = known(previous?.end_date);
  const from = lastGood !== undefined ? lastGood.start + step : (start ?? yearStart);
  const to = Math.min(end !== undefined ? end + step : Math.min(now, yearEnd), yearEnd);
  return to > from ? [{ from: Math.max(from, yearStart), to }] : [];
}
