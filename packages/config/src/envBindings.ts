import { VENUE_NAMES } from './venues';

/** How an environment variable's text becomes a config value. */
export type EnvKind = 'string' | 'int' | 'list';

/** One environment variable and the config path it overrides. */
export interface EnvBinding {
  /** The variable, e.g. `REDIS_URL`. */
  readonly name: string;
  /** The dotted config path it sets, e.g. `redis.url`. */
  readonly path: string;
  readonly kind: EnvKind;
  /** Secrets are read only from the environment and never logged. */
  readonly secret: boolean;
}

function bind(name: string, path: string, kind: EnvKind = 'string', secret = false): EnvBinding {
  return { name, path, kind, secret };
}

const secret = (name: string, path: string): EnvBinding => bind(name, path, 'string', true);

/**
 * Every environment variable Tickline reads, in one place. DESIGN.md fixes the names that operators
 * and tests rely on; the rest follow the `TICKLINE_` convention. An empty variable counts as unset.
 */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  bind('TICKLINE_PREFIX', 'prefix'),
  bind('REDIS_URL', 'redis.url'),
  bind('REDIS_CLUSTER_NODES', 'redis.cluster', 'list'),
  bind('REDIS_USERNAME', 'redis.username'),
  secret('REDIS_PASSWORD', 'redis.password'),
  bind('DATABASE_URL', 'database.url'),
  bind('TICKLINE_CACHE_DIR', 'cache.dir'),
  bind('TICKLINE_INSTRUMENTS', 'instruments', 'list'),
  bind('TICKLINE_METRICS_PORT', 'metrics.port', 'int'),
  bind('TICKLINE_METRICS_HOST', 'metrics.host'),
  bind('TICKLINE_GATEWAY_PORT', 'gateway.port', 'int'),
  bind('TICKLINE_GATEWAY_HOST', 'gateway.host'),
  bind('TICKLINE_GATEWAY_MAX_CONCURRENT_PER_TOKEN', 'gateway.maxConcurrentPerToken', 'int'),
  bind('TICKLINE_GATEWAY_MAX_CONCURRENT', 'gateway.maxConcurrent', 'int'),
  bind('TICKLINE_GATEWAY_ORIGINS', 'gateway.origins', 'list'),
  bind('TICKLINE_GATEWAY_ALLOWED_HOSTS', 'gateway.allowedHosts', 'list'),
  bind('TICKLINE_GATEWAY_MAX_SOCKETS', 'gateway.maxSockets', 'int'),
  bind('TICKLINE_GATEWAY_MAX_REDIS_CONNECTIONS', 'gateway.maxRedisConnections', 'int'),
  bind('TICKLINE_LOG_LEVEL', 'log.level'),
  bind('TICKLINE_HEARTBEAT_INTERVAL_MS', 'runtime.heartbeatIntervalMs', 'int'),
  bind('TICKLINE_SINK_CONSUMER', 'sink.consumer'),
  bind('TICKLINE_PUBLISHER_MAX_BUFFERED', 'bus.publisher.maxBuffered', 'int'),
  bind('TICKLINE_SPOOL_DIR', 'bus.publisher.spool.dir'),
  bind('TICKLINE_SPOOL_MAX_BYTES', 'bus.publisher.spool.maxBytes', 'int'),
  ...VENUE_NAMES.flatMap((venue) => [
    bind(`TICKLINE_${venue.toUpperCase()}_WS_URL`, `venues.${venue}.wsUrl`),
    bind(`TICKLINE_${venue.toUpperCase()}_REST_URL`, `venues.${venue}.restUrl`),
  ]),
  secret('BINANCE_API_KEY', 'venues.binance.apiKey'),
  secret('APCA_API_KEY_ID', 'venues.alpaca.apiKey'),
  secret('APCA_API_SECRET_KEY', 'venues.alpaca.apiSecret'),
  secret('ALPHAVANTAGE_API_KEY', 'venues.alphavantage.apiKey'),
  secret('FMP_API_KEY', 'venues.fmp.apiKey'),
  secret('TICKLINE_GATEWAY_READ_TOKEN', 'gateway.readToken'),
  secret('TICKLINE_GATEWAY_OPERATOR_TOKEN', 'gateway.operatorToken'),
];

/** Config paths whose values are secrets (they may only come from the environment). */
export const SECRET_PATHS: readonly string[] = ENV_BINDINGS.filter((b) => b.secret).map((b) => b.path);

/**
 * Config paths holding URLs that may embed credentials (`redis://user:pass@host`). The password
 * inside is a secret: it is redacted wherever the URL is shown and refused in config files.
 */
export const CREDENTIAL_URL_PATHS = ['redis.url', 'database.url'] as const;

/** The variable that sets `path`, if any. */
export function envNameFor(path: string): string | undefined {
  return ENV_BINDINGS.find((b) => b.path === path)?.name;
}
