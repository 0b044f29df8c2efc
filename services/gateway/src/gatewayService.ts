import { defineService, type ServiceDefinition } from '@tickline/runtime';
import type { GatewayLimits } from './gatewayOptions';
import type { FundamentalsLookup } from './http/routes';
import { startGateway } from './gatewayServer';

export interface GatewayServiceOptions {
  readonly limits?: Partial<GatewayLimits>;
  readonly fundamentals?: FundamentalsLookup;
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
        fundamentals: options.fundamentals,
      });
      context.logger.info({ url: gateway.url }, `gateway: dashboard and API at ${gateway.url}`);
      return {
        checks: { redis: async () => (await gateway.redis.ping()) === 'PONG' },
        stop: () => gateway.close(),
      };
    },
  });
}
