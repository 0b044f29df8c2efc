import { defineService, type ServiceDefinition } from '@tickline/runtime';
import type { TicklineConfig } from '@tickline/config';
import type { GatewayLimits } from './gatewayOptions';
import type { BackfillPort } from './http/backfillPort';
import type { FundamentalsLookup } from './http/routes';
import { startGateway } from './gatewayServer';

export interface GatewayServiceOptions {
  readonly limits?: Partial<GatewayLimits>;
  /** Builds the fundamentals lookup from the config; without one, /v1/fundamentals answers 503. */
  readonly fundamentals?: (config: TicklineConfig) => FundamentalsLookup;
  /** Builds the backfill service's queue from the config (see BackfillPort). */
  readonly backfill?: (config: TicklineConfig) => BackfillPort;
  /** Told the gateway's base URL (e.g. `http://127.0.0.1:8080`) once it listens: `tickline demo` prints it. */
  readonly onListening?: (url: string) => void;
}

/** `tickline run gateway`: the HTTP API, the /v1/stream WebSocket and the dashboard on config.gateway. */
export function createGatewayService(options: GatewayServiceOptions = {}): ServiceDefinition {
  return defineService({
    name: 'gateway',
    async start(context) {
      const gateway = await startGateway({
        config: context.config,
        logger: context.logger,
        metrics: context.metrics,
        limits: options.limits,
        fundamentals: options.fundamentals?.(context.config),
        backfill: options.backfill?.(context.config),
      });
      context.logger.info({ url: gateway.url }, `gateway: dashboard and API at ${gateway.url}`);
      options.onListening?.(gateway.url);
      return {
        checks: { redis: async () => (await gateway.redis.ping()) === 'PONG' },
        stop: () => gateway.close(),
      };
    },
  });
}
