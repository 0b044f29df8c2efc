import { serviceRegistry } from '../../../packages/cli/src/serviceRegistry';
import { loadConfig, type TicklineConfig } from '@tickline/config';
import { createMetricsRegistry, startApp, type App } from '@tickline/runtime';
import { capturedLogger, OPERATOR_TOKEN, READ_TOKEN } from './gatewayHarness';

/**
 * `tickline run gateway` as the CLI builds it (serviceRegistry: the backfill port, fundamentals), with
 * both tokens, on a free port; `env` adds to or overrides the settings. Returns the app, its URL and
 * every log line it wrote.
 */
export async function startRegistryGateway(
  env: Record<string, string>,
): Promise<{ app: App; url: string; config: TicklineConfig; logs: () => string }> {
  const config = loadConfig({
    env: {
      TICKLINE_GATEWAY_PORT: '0',
      TICKLINE_METRICS_PORT: '0',
      TICKLINE_HEARTBEAT_INTERVAL_MS: '0',
      TICKLINE_GATEWAY_READ_TOKEN: READ_TOKEN,
      TICKLINE_GATEWAY_OPERATOR_TOKEN: OPERATOR_TOKEN,
      ...env,
    },
  });
  const { logger, logs } = capturedLogger('info');
  const app = await startApp({
    services: [serviceRegistry['gateway']!.create()],
    config,
    logger,
    metrics: createMetricsRegistry(),
  });
  return { app, config, logs, url: /dashboard and API at (http:\/\/[\d.:]+)/.exec(logs())![1]! };
}
