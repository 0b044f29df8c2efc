import * as path from 'node:path';
import type { Timeframe } from '@tickline/core';
import { StorageError } from '../storageError';

/**
 * Where things live under a cache root (FILECACHE.md). Symbols are used as given, except that `%` and
 * `/` are percent-encoded (`BTC/USD` -> `BTC%2FUSD`) so a symbol is always one directory. Note `1m`
 * (minute) and `1M` (month) directories collide on case-insensitive file systems.
 */
export function symbolDir(root: string, symbol: string): string {
  const name = symbol.replace(/%/g, '%25').replace(/\//g, '%2F');
  if (name === '' || name === '.' || name === '..' || name === '_metadata' || name.includes('\0')) {
    throw new StorageError(
      'CACHE_BAD_PATH',
      `symbol ${JSON.stringify(symbol)} cannot be a cache directory name`,
    );
  }
  return path.join(root, 'ohlcv', name);
}

export function decodeSymbolDir(name: string): string {
  return name.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

export function yearFile(root: string, symbol: string, timeframe: Timeframe, year: number): string {
  return path.join(symbolDir(root, symbol), timeframe, `${year}.csv.gz`);
}

export function yearMetadataFile(dataFile: string): string {
  return dataFile.replace(/\.csv\.gz$/, '.metadata.json');
}

/** The lock guarding one data file and its metadata: a dotfile beside it, ignored by `*.csv.gz` globs. */
export function lockFileFor(dataFile: string): string {
  return path.join(path.dirname(dataFile), `.${path.basename(dataFile, '.csv.gz')}.lock`);
}

/** The old pipeline variant: all 1-minute history of a symbol in one file. */
export function pipelineFile(root: string, symbol: string): string {
  return path.join(symbolDir(root, symbol), `${path.basename(symbolDir(root, symbol))}-1m.csv.gz`);
}

export const metadataDir = (root: string) => path.join(root, 'ohlcv', '_metadata');
export const symbolsFile = (root: string) => path.join(metadataDir(root), 'symbols.json');
export const statsFile = (root: string) => path.join(root, 'cache_stats.json');
