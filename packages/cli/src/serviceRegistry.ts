import type { ServiceDefinition } from '@tickline/runtime';
// The CLI is the composition root (`tickline run all` builds every service in one process): the one
// package allowed to import services, and only here (eslint.config.js exempts this file).
import { createAggregatorService } from '@tickline/aggregator-service';
import { createBackfillService } from '@tickline/backfill-service';
import { createGatewayService } from '@tickline/gateway-service';
import { createIngestorService, ingestorService } from '@tickline/ingestor-service';
import { createMonitorService } from '@tickline/monitor-service';
import { createSinkService } from '@tickline/sink-service';
import { CliError } from './cliError';
// `tickline backfill` queues requests for the backfill workers and reads their progress.
export {
  BackfillQueues,
  bullConnection,
  enqueueBackfill,
  listRequests,
  requestProgress,
  type RequestProgress,
} from '@tickline/backfill-service';
import type { DemoServices } from './demo';

/** One runnable service. */
export interface ServiceEntry {
  /** One line for `tickline run --help`. */
  readonly summary: string;
  /** Builds the service; called only when it is run, so unused services load nothing. */
  readonly create: () => ServiceDefinition;
}

/** Service names (as typed after `tickline run`) to their factories. */
export type ServiceRegistry = Readonly<Record<string, ServiceEntry>>;

/**
 * Every service `tickline run` knows. The backfill, fundamentals and gateway
 * services register here as they are written.
 */
export const serviceRegistry: ServiceRegistry = {
  ingestor: { summary: 'venue feeds to tick, quote, gap and DLQ streams', create: () => ingestorService },
  aggregator: {
    summary: 'tick streams to bar streams (state, position and bars committed atomically)',
    create: () => createAggregatorService(),
  },
  sink: { summary: 'bar streams to PostgreSQL and the file cache', create: () => createSinkService() },
  monitor: {
    summary: 'pipeline gauges for Prometheus: lag, tick and bar ages, heartbeats, DLQs, store sizes',
    create: () => createMonitorService(),
  },
  gateway: {
    summary: 'HTTP API, /v1/stream WebSocket subscriptions and the live dashboard (config gateway.*)',
    create: () => createGatewayService(),
  },
  backfill: {
    summary:
      'BullMQ backfill workers (provider failover, shared rate limits) and tl:gaps repair (config backfill.*)',
    create: () => createBackfillService(),
  },
};

/** What `tickline demo` runs: the ingestor on event time, the aggregator in replay mode, the sink. */
export const demoServices: DemoServices = {
  ingestor: () => createIngestorService({ clock: 'event' }),
  aggregator: ({ allowedLatenessMs }) => createAggregatorService({ replay: true, allowedLatenessMs }),
  sink: () => createSinkService(),
  monitor: () => createMonitorService(),
};

/** The definitions for `tickline run <names...>`, in the order given; `all` means every one. */
export function resolveServices(names: readonly string[], registry: ServiceRegistry): ServiceDefinition[] {
  const available = Object.keys(registry);
  if (names.includes('all') && available.length === 0) {
    throw new CliError(
      'no services are available yet: the service registry is empty ' +
        '(ingestor, aggregator, sink, backfill, fundamentals and gateway are still to come)',
    );
  }
  const wanted = names.includes('all') ? available : [...new Set(names)];
  const unknown = wanted.filter((name) => !Object.hasOwn(registry, name));
  if (unknown.length > 0) {
    const list = unknown.map((name) => `'${name}'`).join(', ');
    const choices = available.length === 0 ? 'none yet' : `${available.join(', ')}, all`;
    throw new CliError(`unknown service ${list}; available: ${choices}`);
  }
  return wanted.map((name) => (registry[name] as ServiceEntry).create());
}
