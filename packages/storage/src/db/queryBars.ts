import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Bar, Timeframe, Venue } from '@tickline/core';
import { StorageError } from '../storageError';
import { barTable } from './barTiers';
import { BINARY_BAR_SELECT, BinaryBarRows } from './binaryBarRows';
import { pgp, type Database } from './database';

/** Bars of one instrument and timeframe starting in [from, to) (epoch ms). */
export interface BarQuery {
  venue: Venue;
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  /** Stops the read (with the signal's reason) before the next chunk: the reader went away. */
  signal?: AbortSignal;
}

/**
 * Returns the stored bars of `query` in start order (all chunks of {@link queryBarChunks} joined).
 */
export async function queryBars(db: Database, query: BarQuery): Promise<Bar[]> {
  const bars: Bar[] = [];
  for await (const chunk of queryBarChunks(db, query)) for (const bar of chunk) bars.push(bar);
  return bars;
}

/**
 * The stored bars of `query` in start order, as chunks in the order the server sends them: a binary
 * COPY of the range decoded straight from its buffers (no per-field strings, no row arrays), so a reader
 * that handles each chunk and drops it never holds a year of bars at once. Stopping early (break) ends
 * the connection, which cancels the rest of the COPY.
 */
export async function* queryBarChunks(db: Database, query: BarQuery): AsyncGenerator<Bar[]> {
  checkRange(query);
  // COPY takes no bind parameters: the values are escaped as literals by pg-promise.
  const statement = pgp().as.format(
    `COPY (SELECT ${BINARY_BAR_SELECT}
FROM ${barTable(query.timeframe)}
WHERE venue = $1 AND symbol = $2 AND timeframe = $3
  AND start >= timestamptz 'epoch' + $4 * interval '1 millisecond'
  AND start < timestamptz 'epoch' + $5 * interval '1 millisecond'
ORDER BY start) TO STDOUT (FORMAT binary)`,
    [query.venue, query.symbol, query.timeframe, query.from, query.to],
  );
  const connection = await db.connect();
  let complete = false;
  try {
    // pg-promise bundles its own pg typings; pg-copy-streams uses @types/pg. Same client at runtime.
    const client = connection.client as unknown as ClientBase;
    const rows = new BinaryBarRows(query);
    for await (const chunk of client.query(copyTo(statement)) as AsyncIterable<Buffer>) {
      query.signal?.throwIfAborted();
      const bars = rows.push(chunk);
      if (bars.length > 0) yield bars;
    }
    rows.finish();
    complete = true;
  } finally {
    void connection.done(!complete);
  }
}

export function checkRange(query: { from: number; to: number }): void {
  if (!Number.isInteger(query.from) || !Number.isInteger(query.to) || query.from > query.to) {
    throw new StorageError(
      'INVALID_QUERY',
      `bar range must be whole epoch ms with from <= to, got from=${query.from} to=${query.to}`,
    );
  }
}
