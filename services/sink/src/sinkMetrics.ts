import { Counter, Histogram, type Registry } from 'prom-client';

/** The sink's Prometheus metrics; `store` is `db` or `cache`. */
export interface SinkMetrics {
  readonly rows: Counter<'store'>;
  readonly failures: Counter<'store'>;
  readonly batchSeconds: Histogram;
  /** Cache writes refused because a file already there is damaged (StorageError CACHE_CORRUPT). */
  readonly cacheIntegrityFailures: Counter;
  /** Damaged year files the sink healed itself: `action` is `repaired` (from the database) or `quarantined`. */
  readonly cacheHeals: Counter<'action'>;
}

export function sinkMetrics(registry: Registry): SinkMetrics {
  return {
    rows: new Counter({
      name: 'tickline_sink_rows_total',
      help: 'Bars written by the sink (committed), per store',
      labelNames: ['store'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'tickline_sink_failures_total',
      help: 'Failed batch writes per store (each retry that fails counts)',
      labelNames: ['store'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'tickline_sink_batch_seconds',
      help: 'Time from the start of a batch write to its commit in every store, retries included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    cacheIntegrityFailures: new Counter({
      name: 'tickline_cache_integrity_failures_total',
      help: 'Cache writes that found a damaged file (unreadable gzip, rows that are not bars); the sink heals it (tickline_sink_cache_heals_total)',
      registers: [registry],
    }),
    cacheHeals: new Counter({
      name: 'tickline_sink_cache_heals_total',
      help: 'Damaged cache year files healed by the sink: repaired from the database, or quarantined (rows lost published as cache-damaged gaps)',
      labelNames: ['action'],
      registers: [registry],
    }),
  };
}
