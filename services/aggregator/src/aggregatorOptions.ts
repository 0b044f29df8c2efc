import { hostname } from 'node:os';
import type { TicklineConfig } from '@tickline/config';
import type { Timeframe } from '@tickline/core';

/**
 * Options of the aggregator service; every field has a default (the timing ones from the `aggregator`
 * config section), so `tickline run aggregator` needs none.
 */
export interface AggregatorOptions {
  /** Timeframes built for every configured instrument. Default 1m 5m 15m 1h 4h 1d. */
  readonly timeframes?: readonly Timeframe[];
  /**
   * Replay mode: time moves on the trades' event times only (no wall-clock finalization), and every open
   * bar is flushed (published final) when the service stops. Default false.
   */
  readonly replay?: boolean;
  /** Publish the open (partial) bars at most this often per instrument; 0 none. Default: config. */
  readonly partialIntervalMs?: number;
  /** Live mode: finalize by wall clock after this long without trades; 0 never. Default: config. */
  readonly wallClockMs?: number;
  /** Allowed lateness (ms) of the aggregator's watermark. Default 2000. */
  readonly allowedLatenessMs?: number;
  /** Revision window (ms). Default one hour. */
  readonly revisionWindowMs?: number;
  /** Consumer group on the tick streams, also the checkpoint's name. Default `aggregator`. */
  readonly group?: string;
  /** This process's consumer name in the group, also its lease token: unique per process. Default `aggregator@<hostname>/<pid>`. */
  readonly consumer?: string;
  /** Bar records packed into one output entry at most. Default 256. */
  readonly maxBarsPerEntry?: number;
}

export const DEFAULT_AGGREGATOR_TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h', '4h', '1d'];

export function resolveAggregatorOptions(options: AggregatorOptions, config: TicklineConfig) {
  const replay = options.replay ?? false;
  return {
    timeframes: options.timeframes ?? DEFAULT_AGGREGATOR_TIMEFRAMES,
    replay,
    partialIntervalMs: options.partialIntervalMs ?? config.aggregator.partialIntervalMs,
    // Replay mode runs on event time only, whatever the config says.
    wallClockMs: replay ? 0 : (options.wallClockMs ?? config.aggregator.wallClockMs),
    allowedLatenessMs: options.allowedLatenessMs ?? 2000,
    revisionWindowMs: options.revisionWindowMs ?? 3_600_000,
    group: options.group ?? 'aggregator',
    consumer: options.consumer ?? `aggregator@${hostname()}/${process.pid}`,
    maxBarsPerEntry: options.maxBarsPerEntry ?? 256,
  };
}

export type ResolvedAggregatorOptions = ReturnType<typeof resolveAggregatorOptions>;
