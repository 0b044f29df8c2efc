import type { Bar, InstrumentRef, Timeframe } from '@tickline/core';
import { redactSecrets } from '@tickline/bus';
import { queryBars, readCachedBars, type Database } from '@tickline/storage';
import { ClientError } from './clientError';

/** Where `bars()` reads history: the database, the file cache, or only what the bar stream still holds. */
export const HISTORY_SOURCES = ['database', 'cache', 'stream'] as const;
export type HistorySourceName = (typeof HISTORY_SOURCES)[number];

export interface HistoryQuery {
  readonly instrument: InstrumentRef;
  readonly timeframe: Timeframe;
  readonly from: number;
  readonly to: number;
}

/** A store `bars()` reads history from. */
export interface HistorySource {
  readonly name: Exclude<HistorySourceName, 'stream'>;
  read(query: HistoryQuery): Promise<Bar[]>;
}

export function databaseHistory(db: Database): HistorySource {
  return {
    name: 'database',
    read: ({ instrument, timeframe, from, to }) =>
      queryBars(db, { venue: instrument.venue, symbol: instrument.symbol, timeframe, from, to }),
  };
}

export function cacheHistory(dir: string): HistorySource {
  return {
    name: 'cache',
    read: ({ instrument, timeframe, from, to }) =>
      readCachedBars(dir, { venue: instrument.venue, symbol: instrument.symbol, timeframe, from, to }),
  };
}

/** Reads history, turning any failure into a HISTORY_FAILED naming the store and the range (no secrets). */
export async function readHistory(
  source: HistorySource,
  query: HistoryQuery,
  secrets: readonly (string | undefined)[],
): Promise<Bar[]> {
  try {
    return await source.read(query);
  } catch (error) {
    const { venue, symbol } = query.instrument;
    const reason = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
    throw new ClientError(
      'HISTORY_FAILED',
      `reading ${venue}:${symbol} ${query.timeframe} bars from ${new Date(query.from).toISOString()} ` +
        `in the ${source.name} failed: ${reason}`,
      { cause: error },
    );
  }
}
