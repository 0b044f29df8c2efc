import { createScrubber, secretsOf, type TicklineConfig } from '@tickline/config';
import type { Registry } from 'prom-client';
import { type ReadinessReport, startHealthServer, type HealthServer } from './healthServer';
import { startHeartbeats, type Heartbeats } from './heartbeat';
import { createLogger, type Logger } from './logger';
import { createMetricsRegistry, serviceUpGauge } from './metrics';
import { evaluateReadiness } from './readiness';
import { describeError, RuntimeError } from './runtimeError';
import type { RunningService, ServiceContext, ServiceDefinition } from './service';

export interface AppOptions {
  readonly services: readonly ServiceDefinition[];
  readonly config: TicklineConfig;
  /** Default: `createLogger({ config })` (stdout). */
  readonly logger?: Logger;
  /** Default: a fresh registry with the default process metrics. */
  readonly metrics?: Registry;
  /** Aborting it during start-up aborts the services' `signal`, so a slow `start` can give up. */
  readonly signal?: AbortSignal;
  /** Write heartbeats to Redis for `tickline status` (`runServices` turns this on). Default false. */
  readonly heartbeats?: boolean;
}

/** Services running in one process, with their health and metrics endpoint. */
export interface App {
  /** Base URL of `/healthz`, `/readyz` and `/metrics`. */
  readonly url: string;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Resolves with the first unrecoverable error a service reported through `context.fail`. */
  readonly failed: Promise<RuntimeError>;
  readiness(): Promise<ReadinessReport>;
  /**
   * Stops the services in reverse start order (each drains its in-flight work), then the HTTP
   * server. Idempotent; every step runs even when one fails, then it rejects with STOP_FAILED.
   */
  close(): Promise<void>;
}

function assertUniqueNames(services: readonly ServiceDefinition[]): void {
  const names = services.map((s) => s.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw new RuntimeError('INVALID_SERVICE', `service '${duplicate}' is listed twice`);
}

/** Builds and starts the services (in order) and the health server; tests call this directly. */
export async function startApp(options: AppOptions): Promise<App> {
  const { services, config } = options;
  assertUniqueNames(services);
  const logger = options.logger ?? createLogger({ config });
  const metrics = options.metrics ?? createMetricsRegistry();
  const scrub = createScrubber(secretsOf(config).map((s) => s.value));
  const up = serviceUpGauge(metrics);
  const abort = new AbortController();
  options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  const running = new Map<string, RunningService>();
  let phase: ReadinessReport['phase'] = 'starting';
  let reportFailure: (error: RuntimeError) => void = () => undefined;
  const failed = new Promise<RuntimeError>((resolve) => (reportFailure = resolve));

  const readiness = () =>
    evaluateReadiness({ phase, services, running, timeoutMs: config.runtime.readyCheckTimeoutMs, scrub });
  const server = await startHealthServer(config.metrics.host, config.metrics.port, {
    readiness,
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }),
    scrub,
    onError: (err) => logger.error({ err }, 'health endpoint failed'),
  });
  logger.info({ url: server.url }, `serving /healthz, /readyz and /metrics at ${server.url}`);

  let heartbeats: Heartbeats | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      phase = 'stopping';
      abort.abort();
      await heartbeats?.stop();
      await stopAll({ services, running, server, logger, up, scrub });
      phase = 'stopped';
    })();
    return closing;
  };

  for (const definition of services) {
    const { name } = definition;
    const context: ServiceContext = {
      name,
      config,
      logger: logger.child({ service: name }),
      metrics,
      signal: abort.signal,
      fail: (error) => {
        const message = scrub(`service '${name}' failed: ${describeError(error)}`);
        reportFailure(new RuntimeError('SERVICE_FAILED', message, { cause: error }));
      },
    };
    try {
      running.set(name, await definition.start(context));
    } catch (error) {
      const message = scrub(`service '${name}' failed to start: ${describeError(error)}`);
      logger.error({ service: name, err: error }, message);
      await close().catch((err: unknown) => logger.error({ err }, 'cleanup after the failed start failed'));
      throw new RuntimeError('START_FAILED', message, { cause: error });
    }
    up.set({ service: name }, 1);
    logger.info({ service: name }, `service '${name}' started`);
  }
  phase = 'running';
  if (options.heartbeats === true && config.runtime.heartbeatIntervalMs > 0) {
    heartbeats = startHeartbeats({ config, services: services.map((s) => s.name), url: server.url, logger });
  }
  return { url: server.url, logger, metrics, failed, readiness, close };
}

interface StopInput {
  readonly services: readonly ServiceDefinition[];
  readonly running: ReadonlyMap<string, RunningService>;
  readonly server: HealthServer;
  readonly logger: Logger;
  readonly up: ReturnType<typeof serviceUpGauge>;
  readonly scrub: (text: string) => string;
}

async function stopAll({ services, running, server, logger, up, scrub }: StopInput): Promise<void> {
  const failures: string[] = [];
  for (const { name } of [...services].reverse()) {
    const service = running.get(name);
    if (service === undefined) continue;
    try {
      await service.stop();
      logger.info({ service: name }, `service '${name}' stopped`);
    } catch (err) {
      failures.push(`service '${name}': ${describeError(err)}`);
      logger.error({ service: name, err }, `service '${name}' failed to stop cleanly`);
    }
    up.set({ service: name }, 0);
  }
  try {
    await server.close();
  } catch (err) {
    failures.push(`health server: ${describeError(err)}`);
  }
  if (failures.length > 0) {
    throw new RuntimeError('STOP_FAILED', scrub(`stopping failed: ${failures.join('; ')}`));
  }
}
