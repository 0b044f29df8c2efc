import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isFixedTimeframe, timeframeMs, type Bar, type Timeframe } from '@tickline/core';
import { writeFileAtomic } from './atomicWrite';
import { checkCacheDirs, readCacheFile } from './cacheFiles';
import { metadataDir, statsFile, symbolsFile, decodeSymbolDir } from './cachePaths';
import { CACHE_COLUMNS, formatTimestamp } from './csvCodec';
import { withFileLock } from './fileLock';

/** `{YYYY}.metadata.json`, in the old layout's shape (FILECACHE.md). */
export interface YearMetadata {
  symbol: string;
  timeframe: string;
  year: number;
  /** The venue: one source per file. */
  data_source: string;
  created_at: string;
  last_updated: string;
  start_date: string | null;
  end_date: string | null;
  data_quality: { score: number; validation_errors: string[]; gaps: number; duplicates: number };
  file_info: { format: 'csv.gz'; size_bytes: number; rows: number; columns: string[] };
  provider_info: { name: string; reliability: number | null; rate_limit: number | null };
}

/** Metadata describing `bars` (sorted, unique) as written in a file of `sizeBytes`. */
export function describeYear(
  bars: readonly Bar[],
  key: { symbol: string; timeframe: Timeframe; year: number; venue: string },
  sizeBytes: number,
  previous: YearMetadata | undefined,
  now: Date,
): YearMetadata {
  const first = bars[0];
  const last = bars[bars.length - 1];
  const sources = new Map<string, number>();
  for (const bar of bars) sources.set(bar.source, (sources.get(bar.source) ?? 0) + 1);
  const provider = [...sources.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? key.venue;
  const score = bars.reduce((sum, bar) => sum + bar.quality.score, 0) / Math.max(bars.length, 1);
  return {
    symbol: key.symbol,
    timeframe: key.timeframe,
    year: key.year,
    data_source: key.venue,
    created_at: previous?.created_at ?? now.toISOString(),
    last_updated: now.toISOString(),
    start_date: first ? formatTimestamp(first.start, false) : null,
    end_date: last ? formatTimestamp(last.start, false) : null,
    data_quality: {
      score: round(score),
      validation_errors: [],
      gaps: countGaps(bars, key.timeframe),
      duplicates: 0,
    },
    file_info: { format: 'csv.gz', size_bytes: sizeBytes, rows: bars.length, columns: [...CACHE_COLUMNS] },
    provider_info: {
      name: provider,
      reliability: previous?.provider_info?.reliability ?? null,
      rate_limit: null,
    },
  };
}

/** Holes between consecutive bars (an equity's nights and weekends count too). */
function countGaps(bars: readonly Bar[], timeframe: Timeframe): number {
  if (!isFixedTimeframe(timeframe)) return 0;
  const step = timeframeMs(timeframe);
  let gaps = 0;
  for (let i = 1; i < bars.length; i++) if (bars[i]!.start - bars[i - 1]!.start > step) gaps++;
  return gaps;
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;

/** A JSON file of the cache, never read through a link (readCacheFile); undefined when it does not exist. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  const bytes = await readCacheFile(file);
  return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
}

/** `_metadata/symbols.json`: SYMBOL -> TF -> YYYY -> entry. We add `size_bytes` (old readers ignore it). */
export type SymbolsIndex = Record<string, Record<string, Record<string, IndexEntry>>>;
interface IndexEntry {
  provider: string;
  last_updated: string;
  quality_score: number;
  rows: number;
  size_bytes: number;
}

/**
 * Records written years in symbols.json and refreshes cache_stats.json, both atomically under one lock.
 * An unreadable symbols.json is rebuilt from the year metadata files, never silently reset.
 */
export async function updateIndex(root: string, written: readonly YearMetadata[]): Promise<void> {
  if (written.length === 0) return;
  await checkCacheDirs(root, metadataDir(root)); // never written through a linked directory
  await fs.mkdir(metadataDir(root), { recursive: true });
  await withFileLock(path.join(metadataDir(root), '.symbols.lock'), async () => {
    const index =
      (await readJson<SymbolsIndex>(symbolsFile(root)).catch(() => undefined)) ?? (await rebuildIndex(root));
    for (const meta of written) setEntry(index, meta);
    await writeFileAtomic(symbolsFile(root), `${JSON.stringify(index, null, 2)}\n`);
    await writeFileAtomic(statsFile(root), `${JSON.stringify(statsOf(index), null, 2)}\n`);
  });
}

function setEntry(index: SymbolsIndex, meta: YearMetadata): void {
  const byTimeframe = (index[meta.symbol] ??= {});
  const byYear = (byTimeframe[meta.timeframe] ??= {});
  byYear[String(meta.year)] = {
    provider: meta.provider_info.name,
    last_updated: meta.last_updated,
    quality_score: meta.data_quality.score,
    rows: meta.file_info.rows,
    size_bytes: meta.file_info.size_bytes,
  };
}

function statsOf(index: SymbolsIndex) {
  let bytes = 0;
  let files = 0;
  for (const byTimeframe of Object.values(index)) {
    for (const byYear of Object.values(byTimeframe)) {
      for (const entry of Object.values(byYear)) {
        bytes += entry.size_bytes ?? 0;
        files++;
      }
    }
  }
  return {
    total_size_gb: Math.round((bytes / 2 ** 30) * 1e6) / 1e6,
    files_count: files,
    last_updated: new Date().toISOString(),
  };
}

/** symbols.json rebuilt from every `{YYYY}.metadata.json` below the root. */
export async function rebuildIndex(root: string): Promise<SymbolsIndex> {
  const index: SymbolsIndex = {};
  for (const file of await listFiles(path.join(root, 'ohlcv'), (name) =>
    /^\d{4}\.metadata\.json$/.test(name),
  )) {
    const meta = await readJson<YearMetadata>(file).catch(() => undefined);
    if (meta?.file_info !== undefined) setEntry(index, meta);
  }
  return index;
}

/** Files below `dir` (recursively, skipping dotfiles) whose name passes `accept`, sorted. */
export async function listFiles(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && accept(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The symbol and timeframe a data file belongs to, from its path `ohlcv/{SYMBOL}/{TF}/{YYYY}.csv.gz`. */
export function fileIdentity(file: string): { symbol: string; timeframe: string; year: number } {
  const timeframeDir = path.dirname(file);
  return {
    symbol: decodeSymbolDir(path.basename(path.dirname(timeframeDir))),
    timeframe: path.basename(timeframeDir),
    year: Number(path.basename(file, '.csv.gz')),
  };
}
