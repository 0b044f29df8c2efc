import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { isTimeframe, lineTooLong, longLineIn, MAX_LINE_LENGTH } from '@tickline/core';
import { fileIdentity, listFiles, type YearMetadata } from './cacheMetadata';
import { parseCsv, parseTimestamp, rowsToBars, type CsvTable } from './csvCodec';
import { readJson } from './cacheMetadata';
import { readCacheFile } from './cacheFiles';
import { yearMetadataFile } from './cachePaths';

export type CacheProblemCode =
  | 'truncated'
  | 'corrupt'
  | 'bad_rows'
  | 'out_of_order'
  | 'duplicates'
  | 'metadata_missing'
  | 'metadata_mismatch'
  | 'stray_temp_file'
  | 'symlink';

export interface CacheProblem {
  code: CacheProblemCode;
  detail: string;
}

export interface FileReport {
  file: string;
  problems: CacheProblem[];
}

/** What {@link verifyCache} found: every data file checked, and the ones with problems. */
export interface VerifyReport {
  checked: number;
  bad: FileReport[];
}

/**
 * Checks every data file below `root/ohlcv`: gzip integrity (a truncated stream, a CRC or length
 * mismatch from a corrupted byte), rows that are not bars, rows out of order, duplicate timestamps,
 * and metadata that is missing or disagrees with the data (rows, first and last timestamp). Leftover
 * temporary files of an interrupted write are reported too, and every symbolic link below the root
 * (with its target; never followed, so nothing below a linked directory is checked). Reads only.
 */
export async function verifyCache(root: string): Promise<VerifyReport> {
  const dir = path.join(root, 'ohlcv');
  const links = await symlinks(dir);
  const entered = links[0]?.[0] !== dir; // a linked ohlcv directory is reported, not entered
  const files = entered ? await listFiles(dir, (name) => name.endsWith('.csv.gz')) : [];
  const bad: FileReport[] = [];
  for (const file of files) {
    const problems = await verifyFile(file);
    if (problems.length > 0) bad.push({ file, problems });
  }
  for (const [file, target] of links) {
    bad.push({
      file,
      problems: [
        {
          code: 'symlink',
          detail: `symbolic link to ${target}; the cache never follows links: replace it with the real file or directory, or remove it`,
        },
      ],
    });
  }
  const temps = entered ? await strayTempFiles(dir) : [];
  for (const file of temps)
    bad.push({
      file,
      problems: [{ code: 'stray_temp_file', detail: 'left by an interrupted write; safe to delete' }],
    });
  return { checked: files.length, bad };
}

export async function verifyFile(file: string): Promise<CacheProblem[]> {
  const { text, problem } = inflate((await readCacheFile(file)) ?? Buffer.alloc(0));
  if (problem !== undefined) return [problem];
  const long = longLineIn(text);
  if (long !== undefined) {
    return [{ code: 'bad_rows', detail: lineTooLong(file, long.line, MAX_LINE_LENGTH).message }];
  }
  let table: CsvTable;
  try {
    table = parseCsv(text);
    rowsToBars(table, { venue: 'binance', symbol: 'X', timeframe: '1m', defaultSource: 'verify' });
  } catch (error) {
    return [{ code: 'bad_rows', detail: (error as Error).message }];
  }
  return [...orderProblems(table), ...(await metadataProblems(file, table))];
}

/** Decompresses, telling a cut-off stream from a damaged one. */
export function inflate(compressed: Buffer): { text: string; problem?: CacheProblem } {
  try {
    return { text: zlib.gunzipSync(compressed).toString('utf8') };
  } catch (error) {
    const message = (error as Error).message;
    const truncated = /unexpected end of file/i.test(message);
    return { text: '', problem: { code: truncated ? 'truncated' : 'corrupt', detail: `gzip: ${message}` } };
  }
}

function orderProblems(table: CsvTable): CacheProblem[] {
  const column = table.header.indexOf('timestamp') === -1 ? 0 : table.header.indexOf('timestamp');
  let outOfOrder = 0;
  let duplicates = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const row of table.rows) {
    const ts = parseTimestamp(row[column] ?? '');
    if (ts === previous) duplicates++;
    else if (ts < previous) outOfOrder++;
    previous = ts;
  }
  const problems: CacheProblem[] = [];
  if (outOfOrder > 0)
    problems.push({ code: 'out_of_order', detail: `${outOfOrder} rows earlier than the row before` });
  if (duplicates > 0) problems.push({ code: 'duplicates', detail: `${duplicates} repeated timestamps` });
  return problems;
}

async function metadataProblems(file: string, table: CsvTable): Promise<CacheProblem[]> {
  const { timeframe } = fileIdentity(file);
  if (!/^\d{4}\.csv\.gz$/.test(path.basename(file)) || !isTimeframe(timeframe)) return []; // pipeline variant
  const meta = await readJson<YearMetadata>(yearMetadataFile(file)).catch(() => null);
  if (meta === undefined || meta === null)
    return [
      {
        code: 'metadata_missing',
        detail: `${path.basename(yearMetadataFile(file))} is missing or unreadable`,
      },
    ];
  const rows = table.rows.length;
  const column = Math.max(table.header.indexOf('timestamp'), 0);
  const ts = (row: string[] | undefined) =>
    row === undefined ? null : new Date(parseTimestamp(row[column] ?? '')).getTime();
  const disagreements: string[] = [];
  if (meta.file_info?.rows !== undefined && meta.file_info.rows !== rows)
    disagreements.push(`rows ${meta.file_info.rows} vs ${rows} in the file`);
  const first = ts(table.rows[0]);
  const last = ts(table.rows[rows - 1]);
  if (meta.start_date && first !== null && parseTimestamp(meta.start_date) !== first)
    disagreements.push(`start_date ${meta.start_date}`);
  if (meta.end_date && last !== null && parseTimestamp(meta.end_date) !== last)
    disagreements.push(`end_date ${meta.end_date}`);
  return disagreements.length === 0 ? [] : [{ code: 'metadata_mismatch', detail: disagreements.join(', ') }];
}

/** Every symbolic link at or below `dir` (the directory itself included) and its target, sorted. */
async function symlinks(dir: string): Promise<[string, string][]> {
  const self = await fs.lstat(dir).catch(() => undefined);
  const links = self?.isSymbolicLink()
    ? [dir]
    : (await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []))
        .filter((entry) => entry.isSymbolicLink())
        .map((entry) => path.join(entry.parentPath, entry.name))
        .sort();
  return Promise.all(
    links.map(async (link) => [link, await fs.readlink(link).catch(() => '?')] as [string, string]),
  );
}

async function strayTempFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && /^\..*\.tmp$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}
