import type { ServiceDefinition } from '@tickline/runtime';
// The CLI is the composition root (`tickline run all` builds every service in one process): the one
// package allowed to import services, and only here (eslint.config.js exempts this file).
import { createAggregatorService } from '@tickline/aggregator-service';
import { createBackfillService } from '@tickline/backfill-service';
import { createRedis } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import { createFundamentalsService, FundamentalsError } from '@tickline/fundamentals';
import {
  createFundamentalsRefreshService,
  refreshPrefix,
  refreshQueue,
} from '@tickline/fundamentals-service';
import { createGatewayService, type BackfillPort, type FundamentalsLookup } from '@tickline/gateway-service';
import { createHistory } from '@tickline/history';
import { isProviderError } from '@tickline/providers';
import { createIngestorService, ingestorService } from '@tickline/ingestor-service';
import { createMonitorService } from '@tickline/monitor-service';
import { createSinkService } from '@tickline/sink-service';
import { BackfillQueues, bullConnection, enqueueBackfill, listRequests } from './backfillQueue';
import { CliError } from './cliError';
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
 * Every service `tickline run` knows.
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
    create: () => createGatewayService({ backfill: gatewayBackfill, fundamentals: gatewayFundamentals }),
  },
  backfill: {
    summary:
      'BullMQ backfill workers (provider failover, shared rate limits) and tl:gaps repair (config backfill.*)',
    create: () => createBackfillService(),
  },
  fundamentals: {
    summary:
      'BullMQ fundamentals refresh of the universes in fundamentals.refresh (cache and PostgreSQL history)',
    create: () => createFundamentalsRefreshService(),
  },
};

/**
 * The backfill queue as the gateway uses it: POST /v1/backfill queues here, the panel reads progress,
 * and the queue dashboard (/admin/queues) shows both backfill queues and the fundamentals refresh.
 */
function gatewayBackfill(config: TicklineConfig): BackfillPort {
  const connection = bullConnection(config, 'tickline-gateway-backfill');
  const queues = new BackfillQueues(connection, config.prefix);
  const refresh = refreshQueue(connection, refreshPrefix(config.prefix));
  const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-gateway-history' });
  const { router } = createHistory(config, { redis, prefix: config.prefix });
  return {
    queues: [queues.requests, queues.chunks, refresh],
    async enqueue(order) {
      try {
        const { id, chunks, existed } = await enqueueBackfill(queues, router, config.backfill, order);
        return { id, chunks, existed };
      } catch (error) {
        // Refusals (no provider serves it, a request the service rejects) go back to the caller.
        const refused = isProviderError(error) || /^invalid backfill request/.test((error as Error).message);
        if (refused) return { refused: (error as Error).message };
        throw error;
      }
    },
    async figures() {
      const requests = await listRequests(queues, ['running', 'queued', 'failed'], 100);
      const count = (state: string) => requests.filter((r) => r.state === state).length;
      const running = requests.filter((r) => r.state === 'running');
      const expected = running.reduce((sum, r) => sum + r.expectedBars, 0);
      const rows = running.reduce((sum, r) => sum + r.rows, 0);
      const progress = expected > 0 ? Math.min(1, rows / expected) : null;
      return { queued: count('queued'), running: running.length, failed: count('failed'), progress };
    },
    async close() {
      await Promise.allSettled([queues.close(), refresh.close()]);
      connection.disconnect();
      redis.disconnect();
    },
  };
}

/** Fundamentals for the gateway's /v1/fundamentals/{symbol}, as `tickline fundamentals` reads them. */
function gatewayFundamentals(config: TicklineConfig): FundamentalsLookup {
  const { service, skipped } = createFundamentalsService({
    root: config.cache.dir,
    ...config.fundamentals,
    venues: config.venues,
  });
  return {
    async getFundamentals(symbol: string) {
      try {
        return { value: { ...(await service.getFundamentals(symbol)), skipped } };
      } catch (error) {
        if (!(error instanceof FundamentalsError)) throw error;
        return error.code === 'INVALID_INPUT' ? { invalid: error.message } : { unavailable: error.message };
      }
    },
  };
}

/** What `tickline demo` runs: the ingestor on event time, the aggregator in replay mode, the sink, the gateway. */
export const demoServices: DemoServices = {
  ingestor: () => createIngestorService({ clock: 'event' }),
  aggregator: ({ allowedLatenessMs }) => createAggregatorService({ replay: true, allowedLatenessMs }),
  sink: () => createSinkService(),
  monitor: () => createMonitorService(),
  // The dashboard and API over the demo's prefix; backfill requests go to <prefix>:backfill:requests.
  gateway: ({ onListening }) => createGatewayService({ onListening }),
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
