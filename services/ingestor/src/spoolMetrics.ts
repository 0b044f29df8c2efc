import type { SpoolStats } from '@tickline/bus';
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the publisher holds at one moment, read when Prometheus scrapes. */
export interface PublisherSnapshot {
  /** Records in memory, unacknowledged by Redis. */
  readonly buffered: number;
  readonly spool: SpoolStats | undefined;
  /** Records dropped (memory and spool budget both spent) since start. */
  readonly dropped: number;
  readonly now: number;
}

/** Gauges of the publisher's memory and spool, and the count of dropped records, read on each scrape (cheap). */
export function registerSpoolMetrics(registry: Registry, read: () => PublisherSnapshot): void {
  const registers = [registry];
  new Gauge({
    name: 'tickline_ingest_buffered_records',
    help: 'Records held in memory by the publisher, not yet acknowledged by Redis (bounded by bus.publisher.maxBuffered).',
    registers,
    collect() {
      this.set(read().buffered);
    },
  });
  const spoolGauge = (gauge: { name: string; help: string; value: (s: SpoolStats, now: number) => number }) =>
    new Gauge({
      name: gauge.name,
      help: gauge.help,
      registers,
      collect() {
        const { spool, now } = read();
        this.set(spool ? gauge.value(spool, now) : 0);
      },
    });
  spoolGauge({ name: 'tickline_ingest_spool_bytes', help: 'Size of the spool file.', value: (s) => s.bytes });
  spoolGauge({
    name: 'tickline_ingest_spool_records',
    help: 'Records in the spool not yet stored in Redis.',
    value: (s) => s.records,
  });
  spoolGauge({
    name: 'tickline_ingest_spool_oldest_age_seconds',
    help: 'Age of the oldest record in the spool not yet stored in Redis (0 when none).',
    value: (s, now) => (s.oldestAt === undefined ? 0 : Math.max(0, now - s.oldestAt) / 1000),
  });
  let counted = 0;
  new Counter({
    name: 'tickline_ingest_dropped_records_total',
    help: 'Records that fit neither in memory nor in the spool budget; tick records are published as spool-full gaps.',
    registers,
    collect() {
      const dropped = read().dropped;
      if (dropped > counted) this.inc(dropped - counted);
      counted = dropped;
    },
  });
}
