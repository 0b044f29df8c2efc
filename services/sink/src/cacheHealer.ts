import { ENTRY_SCHEMA_VERSION, msgpackCodec, type RedisClient } from '@tickline/bus';
import type { Bar } from '@tickline/core';
import { healYearFiles, type StorageError, type HealAction, type RepairSource } from '@tickline/storage';
import type { SinkMetrics } from './sinkMetrics';

/** A `tl:gaps` record for rows a damaged cache file lost (the backfill's gap scheduler repairs it). */
export interface CacheGap {
  readonly venue: string;
  readonly symbols: string[];
  readonly cause: 'cache-damaged';
  readonly from: number;
  readonly to: number;
  readonly timeframe: string;
  readonly file: string;
}

export interface CacheHealerOptions {
  readonly root: string;
  /** The database's final bars of a year, when the sink has a database: damaged files are repaired from it. */
  readonly rowsFrom?: RepairSource;
  readonly publishGaps: (gaps: readonly CacheGap[]) => Promise<void>;
  readonly metrics: SinkMetrics;
  readonly log: (level: 'warn' | 'error', message: string, details: Record<string, unknown>) => void;
}

/** Heals the damaged year files a batch meets; resolves when the batch may be written again. */
export type CacheHealer = (bars: readonly Bar[], error: StorageError) => Promise<void>;

/**
 * A cache write that met a damaged year file (CACHE_CORRUPT) heals the files of its batch before it is
 * written again: repaired from the database when there is one, else quarantined with the rows it lost
 * logged and published to the gaps stream as `cache-damaged` gaps, one per range, for the backfill to
 * repair. Good bars never go to the DLQ for a damaged file; the error is rethrown only when no file of
 * the batch turned out to be damaged (then the damage is not one heal can mend).
 */
export function cacheHealer(options: CacheHealerOptions): CacheHealer {
  return async (bars, error) => {
    const actions = await healYearFiles(options.root, bars, { rowsFrom: options.rowsFrom });
    if (actions.length === 0) throw error; // counted by the StoreWriter, like any CACHE_CORRUPT it sees
    options.metrics.cacheIntegrityFailures.inc();
    for (const action of actions) {
      options.metrics.cacheHeals.inc({ action: action.action });
      options.log(action.lost.length > 0 ? 'error' : 'warn', message(action), {
        ...action,
        error: error.message,
      });
    }
    const gaps = actions.flatMap((action) => gapsOf(action));
    if (gaps.length > 0) await options.publishGaps(gaps);
  };
}

function message(action: HealAction): string {
  if (action.action === 'repaired')
    return `sink: damaged cache file ${action.file} repaired from the database`;
  const lost = action.lost.map(
    (range) => `${new Date(range.from).toISOString()}..${new Date(range.to).toISOString()}`,
  );
  return (
    `sink: damaged cache file quarantined as ${action.quarantinedAs}; ${action.salvagedRows} rows kept` +
    (lost.length > 0
      ? `, rows lost in [${lost.join(', ')}) published as cache-damaged gaps`
      : ', nothing lost')
  );
}

function gapsOf(action: HealAction): CacheGap[] {
  return action.lost.map(({ from, to }) => ({
    venue: action.venue,
    symbols: [action.symbol],
    cause: 'cache-damaged',
    from,
    to,
    timeframe: action.timeframe,
    file: action.file,
  }));
}

/** XADDs the gap records to the gaps stream as one entry, laid out as the bus publisher lays entries out. */
export async function publishGaps(redis: RedisClient, key: string, gaps: readonly CacheGap[]): Promise<void> {
  await redis.xadd(key, '*', 'v', ENTRY_SCHEMA_VERSION, 'n', gaps.length, 'd', msgpackCodec.encode(gaps));
}
