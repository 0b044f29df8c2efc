import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Every Tickline metric name starts with this. */
export const METRIC_PREFIX = 'tickline_';

/** A registry for one process: default process metrics (prefixed `tickline_`) plus what services add. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}

/** `tickline_service_up{service}`: 1 while a service runs, 0 once stopped. */
export function serviceUpGauge(registry: Registry): Gauge<'service'> {
  return new Gauge({
    name: `${METRIC_PREFIX}service_up`,
    help: 'Whether the service is running (1) or stopped (0).',
    labelNames: ['service'],
    registers: [registry],
  });
}
