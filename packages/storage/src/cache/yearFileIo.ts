import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { VENUES, type Bar, type Venue } from '@tickline/core';
import { StorageError } from '../storageError';
import { parseCsv, rowsToBars, RowError, type RowContext } from './csvCodec';
import { readJson, type YearMetadata } from './cacheMetadata';
import { yearMetadataFile } from './cachePaths';

export const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** The gzip bytes of `file`, decompressed; undefined when it does not exist; CACHE_CORRUPT when unreadable. */
export async function readGzipText(file: string): Promise<string | undefined> {
  let compressed: Buffer;
  try {
    compressed = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return (await gunzip(compressed)).toString('utf8');
  } catch (error) {
    throw new StorageError(
      'CACHE_CORRUPT',
      `${file} is not a readable gzip file (${(error as Error).message}); run cache verify/repair`,
      {
        cause: error,
      },
    );
  }
}

/** The bars of one data file (file order, duplicates kept), or undefined when it does not exist. */
export async function readBarsFile(file: string, context: RowContext): Promise<Bar[] | undefined> {
  const text = await readGzipText(file);
  if (text === undefined) return undefined;
  try {
    return rowsToBars(parseCsv(text), context);
  } catch (error) {
    if (!(error instanceof RowError) && !(error instanceof SyntaxError)) throw error;
    throw new StorageError('CACHE_CORRUPT', `${file}: ${error.message}; run cache verify/repair`, {
      cause: error,
    });
  }
}

export function isVenue(value: unknown): value is Venue {
  return typeof value === 'string' && (VENUES as readonly string[]).includes(value);
}

/** A year file's metadata, or undefined when missing or unreadable (verify reports the latter). */
export async function readYearMetadata(dataFile: string): Promise<YearMetadata | undefined> {
  return readJson<YearMetadata>(yearMetadataFile(dataFile)).catch(() => undefined);
}
