import { createRedis } from '@tickline/bus';
import { redisConnectionSettings } from '@tickline/config';
import { collectStatus, statusDatabase, type StatusReport } from '@tickline/ops';
import { defineService, type ServiceDefinition } from '@tickline/runtime';
import { registerPipelineMetrics } from './pipelineMetrics';
import { readResources, type ResourceReport } from './resourceReport';

export interface MonitorOptions {
  /** A scrape within this long of the last read reuses it. Default 2000 ms. */
  readonly minReadIntervalMs?: number;
}

/** Keeps one reading for `minReadIntervalMs`; a failed reading is not kept, so the next scrape retries. */
function rateLimited<T>(minReadIntervalMs: number, read: (now: number) => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (last === undefined || now - last.at >= minReadIntervalMs) {
      const reading = read(now);
      reading.catch(() => {
        if (last?.value === reading) last = undefined;
      });
      last = { at: now, value: reading };
    }
    return last.value;
  };
}

/**
 * `tickline run monitor`: the pipeline as Prometheus gauges (stream lengths and consumer lag, tick and
 * bar ages, service heartbeats, dead letters, database and cache size, Redis memory and the cache's
 * free disk), read on scrape. One monitor
 * serves a whole deployment; the per-process counters stay with the services that count.
 */
export function createMonitorService(options: MonitorOptions = {}): ServiceDefinition {
  const minReadIntervalMs = options.minReadIntervalMs ?? 2000;
  return defineService({
    name: 'monitor',
    start(context) {
      const { config } = context;
      const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-monitor' });
      const db = statusDatabase(config);
      const report = rateLimited<StatusReport>(minReadIntervalMs, (now) =>
        collectStatus(redis, config, now, db),
      );
      const resources = rateLimited<ResourceReport>(minReadIntervalMs, () =>
        readResources(redis, config.cache.dir),
      );
      registerPipelineMetrics(context.metrics, report, resources);
      return Promise.resolve({
        checks: { redis: async () => (await redis.ping()) === 'PONG' },
        stop: async () => {
          redis.disconnect();
          await db?.$pool.end();
        },
      });
    },
  });
}
