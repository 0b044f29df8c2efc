import type { ServerResponse } from 'node:http';
import type { Bar } from '@tickline/core';
import { barJson, queryBarChunks, readCachedBarChunks, type Database } from '@tickline/storage';
import { GatewayError } from '../gatewayError';
import type { BarsQuery } from './barsQuery';
import { writeText } from './respond';

/** Where `/v1/bars` reads: the database or the cache, as `tickline bars` chooses. */
export interface BarStores {
  readonly db: Database | undefined;
  readonly cacheDir: string;
}

function chunks(stores: BarStores, query: BarsQuery, signal: AbortSignal): AsyncIterable<readonly Bar[]> {
  const source = query.source ?? (stores.db === undefined ? 'cache' : 'db');
  const range = {
    venue: query.venue,
    symbol: query.symbol,
    timeframe: query.timeframe,
    from: query.from,
    to: query.to,
    signal,
  };
  if (source === 'cache') return readCachedBarChunks(stores.cacheDir, range);
  const db = stores.db;
  if (db === undefined) {
    throw new GatewayError(
      'UNAVAILABLE',
      'source=db asked, but the gateway has no database (DATABASE_URL unset)',
      'source',
    );
  }
  // The cache holds final bars only; the database's are shown the same way (as `tickline bars` does).
  return (async function* () {
    for await (const chunk of queryBarChunks(db, range)) yield chunk.filter((bar) => bar.final);
  })();
}

/**
 * `{"query":{...},"bars":[...]}` written chunk by chunk as the store yields them, each bar as
 * `tickline bars --format json` prints it; the first chunk is read before the status is sent, so a
 * store error is still a clean error response. `signal` (the client went away) stops the read: the
 * store checks it between files and chunks, and no further chunk is asked for.
 */
export async function writeBarsResponse(
  res: ServerResponse,
  stores: BarStores,
  query: BarsQuery,
  signal: AbortSignal,
): Promise<void> {
  const source = query.source ?? (stores.db === undefined ? 'cache' : 'db');
  const iterator = chunks(stores, query, signal)[Symbol.asyncIterator]();
  try {
    await writeChunks(res, iterator, query, source, signal);
  } finally {
    // Ends the store's read early (closes its file or database connection) when the loop stopped.
    await iterator.return?.().catch(() => undefined);
  }
}

async function writeChunks(
  res: ServerResponse,
  iterator: AsyncIterator<readonly Bar[]>,
  query: BarsQuery,
  source: string,
  signal: AbortSignal,
): Promise<void> {
  let next = await iterator.next();
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  const head = {
    venue: query.venue,
    symbol: query.symbol,
    timeframe: query.timeframe,
    from: new Date(query.from).toISOString(),
    to: new Date(query.to).toISOString(),
    source,
  };
  await writeText(res, `{"query":${JSON.stringify(head)},"bars":[`);
  let first = true;
  while (next.done !== true) {
    let text = '';
    for (const bar of next.value) {
      text += (first ? '\n' : ',\n') + JSON.stringify(barJson(bar));
      first = false;
    }
    if (text !== '') await writeText(res, text);
    signal.throwIfAborted();
    next = await iterator.next();
  }
  res.end(first ? ']}\n' : '\n]}\n');
}
