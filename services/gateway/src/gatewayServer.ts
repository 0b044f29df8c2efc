import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedis, type RedisClient } from '@tickline/bus';
import { clientOptionsFromConfig, createClient, type TicklineClient } from '@tickline/client';
import { createScrubber, redisConnectionSettings, secretsOf, type TicklineConfig } from '@tickline/config';
import { connectDatabase, type Database } from '@tickline/storage';
import type { Logger } from '@tickline/runtime';
import type { Registry } from 'prom-client';
import { createGatewayMetrics, type GatewayMetrics } from './gatewayMetrics';
import { HostPolicy } from './hostPolicy';
import { GATEWAY_DEFAULTS, tokensFromConfig, type GatewayLimits } from './gatewayOptions';
import { createHttpHandler } from './http/httpHandler';
import type { BackfillPort } from './http/backfillPort';
import { sendError } from './http/respond';
import type { FundamentalsLookup } from './http/routes';
import { PipelineReader } from './pipeline/pipelineReader';
import { attachStreamServer, type StreamServer } from './stream/streamServer';

export interface GatewayOptions {
  readonly config: TicklineConfig;
  readonly logger: Logger;
  /** Served at /metrics; the gateway's own metrics are registered in it. */
  readonly metrics: Registry;
  readonly limits?: Partial<GatewayLimits>;
  /** Wire a fundamentals source in; absent, /v1/fundamentals answers 503. */
  readonly fundamentals?: FundamentalsLookup;
  /** The backfill service's queue; absent, backfill requests go to `<prefix>:backfill:requests`. Closed with the gateway. */
  readonly backfill?: BackfillPort;
  /** CLIENT SETNAME of every Redis connection the gateway opens. Default `tickline-gateway`. */
  readonly connectionName?: string;
}

export interface Gateway {
  /** e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly streams: StreamServer;
  readonly redis: RedisClient;
  /** Closes WebSockets (1001), the HTTP server, subscriptions and connections. Idempotent; every step runs. */
  close(): Promise<void>;
}

function displayUrl(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${address.family === 'IPv6' && host !== '127.0.0.1' ? `[${host}]` : host}:${address.port}`;
}

/** Builds and starts the gateway (HTTP API, /v1/stream, dashboard) on config.gateway.host:port. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const limits: GatewayLimits = { ...GATEWAY_DEFAULTS, ...options.limits };
  const metrics = createGatewayMetrics(options.metrics);
  const scrub = createScrubber(secretsOf(config).map((s) => s.value));
  const tokens = tokensFromConfig(config);
  const origins = new Set(config.gateway.origins);
  const hosts = new HostPolicy(config.gateway.allowedHosts, config.gateway.host);
  const name = options.connectionName ?? 'tickline-gateway';
  const redis = createRedis({ ...redisConnectionSettings(config), name });
  const db: Database | undefined =
    config.database.url === undefined
      ? undefined
      : connectDatabase(config.database.url, { max: 4, applicationName: 'tickline-gateway' });
  const clientOptions = clientOptionsFromConfig(config);
  const client: TicklineClient = createClient({
    ...clientOptions,
    redis: { ...clientOptions.redis, name },
    database: db,
    maxTrackedBars: limits.maxTrackedBars,
    // The gateway's own connection and the client's command connection are the other two.
    maxReaders: config.gateway.maxRedisConnections - 2,
  });
  metrics.redisProbe.read = () => 1 + client.redisConnections;
  const server = createServer(
    hostChecked(
      hosts,
      metrics,
      createHttpHandler({
        deps: {
          config,
          redis,
          stores: { db, cacheDir: config.cache.dir },
          metrics: options.metrics,
          pipeline: new PipelineReader(redis, config, options.backfill, db),
          fundamentals: options.fundamentals,
          backfill: options.backfill,
          maxBodyBytes: limits.maxBodyBytes,
        },
        tokens,
        origins,
        logger,
        metrics,
      }),
    ),
  );
  const streams = attachStreamServer({
    server,
    client,
    tokens,
    origins,
    hosts,
    limits,
    metrics,
    scrub,
    maxSockets: config.gateway.maxSockets,
    maxRedisConnections: config.gateway.maxRedisConnections,
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= runAll([
      () => streams.close(),
      () =>
        new Promise<void>((resolve, reject) => {
          if (!server.listening) return resolve(); // its listen failed
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        }),
      () => client.close(),
      () => Promise.resolve(redis.disconnect()),
      () => db?.$pool.end() ?? Promise.resolve(),
      () => options.backfill?.close() ?? Promise.resolve(),
    ]);
    return closing;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.gateway.port, config.gateway.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // A taken port: what was opened for it (Redis, the client, the database pool) is closed again.
    await close().catch(() => undefined);
    throw error;
  }
  server.on('error', (err) => logger.error({ err }, 'gateway: server error'));
  const url = displayUrl(server.address() as AddressInfo);
  if (tokens.openReads) logger.warn('gateway: no tokens configured: reads are open (loopback only)');

  return { url, streams, redis, close };
}

/** Every request's Host is checked first (gateway.allowedHosts), before any route, file or token. */
function hostChecked(
  hosts: HostPolicy,
  metrics: GatewayMetrics,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      hosts.check(req);
    } catch (error) {
      sendError(res, error);
      metrics.httpRequests.inc({ route: 'host', status: String(res.statusCode) });
      return;
    }
    handle(req, res);
  };
}

/** Runs every step even when one fails, then rejects with all failures. */
async function runAll(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'gateway close: some steps failed');
}
