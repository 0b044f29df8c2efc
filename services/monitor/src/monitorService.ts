import { createRedis } from '@tickline/bus';
import { redisConnectionSettings } from '@tickline/config';
import { collectStatus, statusDatabase, type StatusReport } from '@tickline/ops';
import { defineService, type ServiceDefinition } from '@tickline/runtime';
import { registerPipelineMetrics } from './pipelineMetrics';

export interface MonitorOptions {
  /** A scrape within this long of the last read reuses it. Default 2000 ms. */
  readonly minReadIntervalMs?: number;
}

/**
 * `tickline run monitor`: the pipeline as Prometheus gauges (stream lengths and consumer lag, tick and
 * bar ages, service heartbeats, dead letters, database and cache size), read on scrape. One monitor
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
      let last: { at: number; report: Promise<StatusReport> } | undefined;
      const report = (): Promise<StatusReport> => {
        const now = Date.now();
        if (last === undefined || now - last.at >= minReadIntervalMs) {
          const reading = collectStatus(redis, config, now, db);
          // A failed read is not kept: the next scrape tries again.
          reading.catch(() => {
            if (last?.report === reading) last = undefined;
          });
          last = { at: now, report: reading };
        }
        return last.report;
      };
      registerPipelineMetrics(context.metrics, report);
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
