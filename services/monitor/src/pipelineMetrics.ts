import type { StatusReport } from '@tickline/ops';
import { Gauge, type Registry } from 'prom-client';
import type { ResourceReport } from './resourceReport';

type Labels<T extends string> = Partial<Record<T, string>>;

interface GaugeSpec<T extends string, R = StatusReport> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  /** The samples of one report. */
  readonly samples: (report: R) => readonly (readonly [Labels<T>, number])[];
}

const seconds = (ms: number) => ms / 1000;
const storeUp = (configured: boolean, ok: boolean) => (configured ? (ok ? 1 : 0) : undefined);

/**
 * The pipeline-level gauges, each one a view of the same status report. Keeping them as data makes
 * `docs/metrics.md` and this list easy to hold side by side.
 */
const SPECS = [
  {
    name: 'tickline_stream_entries',
    help: 'Entries in a tick stream (trimmed by MINID at the slowest consumer).',
    labelNames: ['instrument'],
    samples: (r) => r.instruments.map((i) => [{ instrument: i.instrument }, i.tickEntries] as const),
  } satisfies GaugeSpec<'instrument'>,
  {
    name: 'tickline_consumer_lag',
    help: 'Tick stream entries not yet delivered to a consumer group.',
    labelNames: ['instrument', 'group'],
    samples: (r) =>
      r.instruments.flatMap((i) =>
        i.groups.flatMap((g) =>
          g.lag === undefined ? [] : [[{ instrument: i.instrument, group: g.group }, g.lag] as const],
        ),
      ),
  } satisfies GaugeSpec<'instrument' | 'group'>,
  {
    name: 'tickline_consumer_pending',
    help: 'Tick stream entries delivered to a consumer group and not yet acknowledged.',
    labelNames: ['instrument', 'group'],
    samples: (r) =>
      r.instruments.flatMap((i) =>
        i.groups.map((g) => [{ instrument: i.instrument, group: g.group }, g.pending] as const),
      ),
  } satisfies GaugeSpec<'instrument' | 'group'>,
  {
    name: 'tickline_last_tick_age_seconds',
    help: 'Time since the newest tick entry of an instrument was written.',
    labelNames: ['instrument'],
    samples: (r) =>
      r.instruments.flatMap((i) =>
        i.lastTickAgeMs === undefined
          ? []
          : [[{ instrument: i.instrument }, seconds(i.lastTickAgeMs)] as const],
      ),
  } satisfies GaugeSpec<'instrument'>,
  {
    name: 'tickline_last_final_bar_age_seconds',
    help: 'Time since the close of the newest final 1m bar of an instrument.',
    labelNames: ['instrument'],
    samples: (r) =>
      r.instruments.flatMap((i) =>
        i.lastFinalBarAgeMs === undefined
          ? []
          : [[{ instrument: i.instrument }, seconds(i.lastFinalBarAgeMs)] as const],
      ),
  } satisfies GaugeSpec<'instrument'>,
  {
    name: 'tickline_service_alive',
    help: 'Whether a service instance has written a heartbeat within its time to live (1) or not (0).',
    labelNames: ['service', 'instance'],
    samples: (r) =>
      r.services.map((s) => [{ service: s.service, instance: s.instance }, s.alive ? 1 : 0] as const),
  } satisfies GaugeSpec<'service' | 'instance'>,
  {
    name: 'tickline_service_heartbeat_age_seconds',
    help: 'Time since a service instance last wrote its heartbeat.',
    labelNames: ['service', 'instance'],
    samples: (r) =>
      r.services.map((s) => [{ service: s.service, instance: s.instance }, seconds(s.ageMs)] as const),
  } satisfies GaugeSpec<'service' | 'instance'>,
  {
    name: 'tickline_gap_entries',
    help: 'Entries in the gaps stream (feed holes waiting for, or past, backfill).',
    labelNames: [],
    samples: (r) => [[{}, r.gaps.total] as const],
  } satisfies GaugeSpec<never>,
  {
    name: 'tickline_dlq_entries',
    help: 'Entries in a dead-letter stream.',
    labelNames: ['source'],
    samples: (r) => r.deadLetters.map((d) => [{ source: d.source }, d.entries] as const),
  } satisfies GaugeSpec<'source'>,
  {
    name: 'tickline_store_up',
    help: 'Whether a configured store answered (1) or not (0).',
    labelNames: ['store'],
    samples: (r) =>
      (
        [
          ['database', storeUp(r.database.configured, r.database.ok)],
          ['cache', storeUp(r.cache.configured, r.cache.ok)],
        ] as const
      ).flatMap(([store, up]) => (up === undefined ? [] : [[{ store }, up] as const])),
  } satisfies GaugeSpec<'store'>,
  {
    name: 'tickline_database_bytes',
    help: 'Size of the database on disk.',
    labelNames: [],
    samples: (r) => (r.database.bytes === undefined ? [] : [[{}, r.database.bytes] as const]),
  } satisfies GaugeSpec<never>,
  {
    name: 'tickline_table_bytes',
    help: 'Size of a Tickline table with its indexes (a hypertable counts its chunks).',
    labelNames: ['table'],
    samples: (r) => (r.database.tables ?? []).map((t) => [{ table: t.table }, t.bytes] as const),
  } satisfies GaugeSpec<'table'>,
  {
    name: 'tickline_table_rows',
    help: "Rows of a Tickline table, the planner's estimate (updated by ANALYZE and autovacuum).",
    labelNames: ['table'],
    samples: (r) => (r.database.tables ?? []).map((t) => [{ table: t.table }, t.rows] as const),
  } satisfies GaugeSpec<'table'>,
  {
    name: 'tickline_cache_bytes',
    help: 'Bytes of bar files in the file cache.',
    labelNames: [],
    samples: (r) => (r.cache.bytes === undefined ? [] : [[{}, r.cache.bytes] as const]),
  } satisfies GaugeSpec<never>,
  {
    name: 'tickline_cache_files',
    help: 'Bar files in the file cache.',
    labelNames: [],
    samples: (r) => (r.cache.files === undefined ? [] : [[{}, r.cache.files] as const]),
  } satisfies GaugeSpec<never>,
];

/** What Redis and the cache's disk have left: the alerts on `maxmemory` and a full disk stand on these. */
const RESOURCE_SPECS = [
  {
    name: 'tickline_redis_used_memory_bytes',
    help: 'Memory Redis uses (INFO used_memory), per server.',
    labelNames: ['node'],
    samples: (r) => r.redis.map((m) => [{ node: m.node }, m.usedBytes] as const),
  } satisfies GaugeSpec<'node', ResourceReport>,
  {
    name: 'tickline_redis_maxmemory_bytes',
    help: 'Redis maxmemory (INFO maxmemory), per server; 0 means no limit.',
    labelNames: ['node'],
    samples: (r) => r.redis.map((m) => [{ node: m.node }, m.maxBytes] as const),
  } satisfies GaugeSpec<'node', ResourceReport>,
  {
    name: 'tickline_cache_disk_free_bytes',
    help: 'Bytes still free for the file cache on its filesystem (statfs bavail).',
    labelNames: [],
    samples: (r) => (r.cacheDisk === undefined ? [] : [[{}, r.cacheDisk.freeBytes] as const]),
  } satisfies GaugeSpec<never, ResourceReport>,
  {
    name: 'tickline_cache_disk_size_bytes',
    help: "Size of the file cache's filesystem (statfs blocks).",
    labelNames: [],
    samples: (r) => (r.cacheDisk === undefined ? [] : [[{}, r.cacheDisk.sizeBytes] as const]),
  } satisfies GaugeSpec<never, ResourceReport>,
];

/** Names of the gauges this module registers (the catalogue test checks docs/metrics.md against it). */
export const PIPELINE_METRIC_NAMES: readonly string[] = [...SPECS, ...RESOURCE_SPECS].map(
  (spec) => spec.name,
);

/**
 * Registers the pipeline gauges on `registry`. Each is filled at scrape time from `report()` (or
 * `resources()` for Redis memory and disk space), which the caller rate-limits: one scrape reads Redis,
 * PostgreSQL and the cache once, not once per gauge. Without `resources` those gauges stay empty.
 */
export function registerPipelineMetrics(
  registry: Registry,
  report: () => Promise<StatusReport>,
  resources: () => Promise<ResourceReport> = () => Promise.resolve({ redis: [] }),
): void {
  for (const spec of SPECS as readonly GaugeSpec<string>[]) register(registry, spec, report);
  for (const spec of RESOURCE_SPECS as readonly GaugeSpec<string, ResourceReport>[]) {
    register(registry, spec, resources);
  }
}

function register<R>(registry: Registry, spec: GaugeSpec<string, R>, read: () => Promise<R>): void {
  new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [registry],
    async collect() {
      const current = await read();
      this.reset();
      for (const [labels, value] of spec.samples(current)) this.set(labels, value);
    },
  });
}
