import { hostname } from 'node:os';
import type { BackoffOptions } from '@tickline/bus';
import type { Timeframe } from '@tickline/core';

/** Options of the sink service; every field has a default, so `tickline run sink` needs none. */
export interface SinkOptions {
  /** Timeframes whose bar streams are consumed for each configured instrument. Default 1m 5m 15m 1h 4h 1d. */
  readonly timeframes?: readonly Timeframe[];
  /** Write to PostgreSQL. Default: when `database.url` (DATABASE_URL) is set. */
  readonly database?: boolean;
  /** Write to the file cache under `cache.dir`. Default true. */
  readonly cache?: boolean;
  /** Consumer group. Default `sink`. */
  readonly group?: string;
  /**
   * This process's consumer name in the group. Default the `sink.consumer` setting (TICKLINE_SINK_CONSUMER),
   * else `sink@<hostname>`: stable across restarts, so a restarted sink re-reads its own pending entries at
   * once instead of waiting to claim them. Give each sink on one host its own name.
   */
  readonly consumer?: string;
  /**
   * Entries one XREADGROUP takes per instrument, at most (and at most `bus.consumer.batchSize`). Default
   * 50: with the publisher's entries of up to a few hundred bars this keeps a read near one batch, and
   * bounds what a killed sink leaves pending (re-read one entry at a time on restart).
   */
  readonly readEntries?: number;
  /** A batch is written once it holds this many bars. Default 5000. */
  readonly maxBatchBars?: number;
  /** ...or once its first bar waited this long (ms). Default 50. */
  readonly lingerMs?: number;
  /** Batches written at the same time (each holds other instruments). Default 2. */
  readonly batchesInFlight?: number;
  /** Backoff of retries while a store is unavailable. Default 100 ms doubling to 2 s, with jitter. */
  readonly retryBackoff?: BackoffOptions;
  /** Database schema (search_path) to work in; tests use their own. Default the server's. */
  readonly schema?: string;
}

export const DEFAULT_TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h', '4h', '1d'];

/** The options with every default filled in; `configured` is what the config says (`database.url`, `sink`). */
export function resolveSinkOptions(
  options: SinkOptions,
  configured: { readonly hasDatabaseUrl: boolean; readonly consumer?: string },
) {
  const { hasDatabaseUrl } = configured;
  return {
    timeframes: options.timeframes ?? DEFAULT_TIMEFRAMES,
    database: options.database ?? hasDatabaseUrl,
    cache: options.cache ?? true,
    group: options.group ?? 'sink',
    consumer: options.consumer ?? configured.consumer ?? `sink@${hostname()}`,
    readEntries: options.readEntries ?? 50,
    maxBatchBars: options.maxBatchBars ?? 5000,
    lingerMs: options.lingerMs ?? 50,
    batchesInFlight: options.batchesInFlight ?? 2,
    retryBackoff: options.retryBackoff ?? { initialMs: 100, maxMs: 2000 },
    schema: options.schema,
  };
}
