import type { ConnectionOptions as TlsOptions } from 'node:tls';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';

/** What the bus logs through; pino, console or a test capture all fit. */
export interface BusLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export const silentBusLogger: BusLogger = { warn: () => undefined, error: () => undefined };

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisConnectionOptions {
  /** `redis://[user@]host:port[/db]` or `rediss://` (TLS). Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Cluster seed nodes: when given, a `Cluster` client is made and `url` only supplies user, password and TLS. */
  readonly clusterNodes?: readonly ClusterNode[];
  /** ACL user (default: from the url, else `default`). */
  readonly username?: string;
  /** From the environment only; never logged, never in an error message. */
  readonly password?: string;
  /** `true` for TLS with system CAs, or node `tls` options (ca, cert, key, servername). Default: on for `rediss://`. */
  readonly tls?: boolean | TlsOptions;
  /**
   * Every command fails after this long instead of waiting forever (ioredis' default). Default 5000 ms.
   * 0: no command and no socket timeout, for connections that block on purpose (BullMQ's).
   */
  readonly commandTimeoutMs?: number;
  /**
   * A connection that receives nothing for this long while commands are outstanding is destroyed and
   * re-made: a reply lost on a half-dead link would otherwise shift every later reply onto the wrong
   * command. Default: `commandTimeoutMs`. Blocking reads (XREADGROUP BLOCK) must block for less.
   */
  readonly socketTimeoutMs?: number;
  /** Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff: first delay, doubled per attempt up to `maxMs`, with jitter. Default 100 ms. */
  readonly retryBaseMs?: number;
  /** Default 5000 ms. Reconnection never gives up: services outlive Redis restarts. */
  readonly retryMaxMs?: number;
  /** How many reconnections a queued command survives before failing (ioredis option). Default 20. */
  readonly maxRetriesPerRequest?: number | null;
  /** CLIENT SETNAME, and the name in log lines. Default `tickline`. */
  readonly name?: string;
  readonly logger?: BusLogger;
  /** Extra ioredis options (applied last, except that commandTimeout and the error listener stay). */
  readonly extra?: RedisOptions;
}

export type RedisClient = Redis | Cluster;

export const CONNECTION_DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  commandTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  retryBaseMs: 100,
  retryMaxMs: 5000,
  maxRetriesPerRequest: 20,
  name: 'tickline',
} as const;

/** Capped exponential backoff with jitter in [50%, 100%] of the step, so a fleet does not reconnect in step. */
export function reconnectDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(step * (0.5 + random() / 2));
}

/** Replaces every occurrence of the given secrets in a text (an error message, a log line). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

interface Endpoint {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

function parseUrl(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The url may hold a password: name only its shape.
    throw new Error('invalid Redis url: expected redis://[user[:password]@]host:port[/db]');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(
      `invalid Redis url scheme ${JSON.stringify(parsed.protocol)}: expected redis: or rediss:`,
    );
  }
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    db: Number(parsed.pathname.slice(1) || 0),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    tls: parsed.protocol === 'rediss:',
  };
}

function tlsOption(tls: RedisConnectionOptions['tls'], fromUrl: boolean): TlsOptions | undefined {
  if (tls === false) return undefined;
  if (tls === true || (tls === undefined && fromUrl)) return {};
  return tls;
}

function baseOptions(options: RedisConnectionOptions, endpoint: Endpoint): RedisOptions {
  const o = { ...CONNECTION_DEFAULTS, ...definedOnly(options) };
  const tls = tlsOption(options.tls, endpoint.tls);
  // 0 means unbounded (ioredis takes any number, 0 included, as a timeout): BullMQ's blocking connections.
  const bounded = o.commandTimeoutMs > 0;
  return {
    username: options.username ?? endpoint.username,
    password: options.password ?? endpoint.password,
    ...(tls ? { tls } : {}),
    connectionName: o.name,
    connectTimeout: o.connectTimeoutMs,
    ...(bounded ? { socketTimeout: o.socketTimeoutMs ?? o.commandTimeoutMs } : {}),
    maxRetriesPerRequest: o.maxRetriesPerRequest,
    retryStrategy: (times) => reconnectDelay(times, o.retryBaseMs, o.retryMaxMs),
    ...options.extra,
    ...(bounded ? { commandTimeout: o.commandTimeoutMs } : {}),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function attachErrorListener(client: RedisClient, options: RedisConnectionOptions, where: string): void {
  const logger = options.logger ?? silentBusLogger;
  const name = options.name ?? CONNECTION_DEFAULTS.name;
  const secrets = [options.password, options.url ? parseUrl(options.url).password : undefined];
  client.on('error', (error: Error) => {
    // A background connection error: ioredis reconnects by itself; commands fail on their own timeout.
    logger.warn('redis connection error', {
      connection: name,
      where,
      error: redactSecrets(error.message, secrets),
    });
  });
}

/**
 * A Redis (or Redis Cluster) client for Tickline: bounded command time, an error listener always attached,
 * reconnection with capped backoff, ACL user, password and TLS from options. Log lines name host and port,
 * never the url (it may hold a password).
 */
export function createRedis(
  options: RedisConnectionOptions & { clusterNodes: readonly ClusterNode[] },
): Cluster;
export function createRedis(options?: RedisConnectionOptions & { clusterNodes?: undefined }): Redis;
export function createRedis(options?: RedisConnectionOptions): RedisClient;
export function createRedis(options: RedisConnectionOptions = {}): RedisClient {
  const endpoint = parseUrl(options.url ?? CONNECTION_DEFAULTS.url);
  const redisOptions = baseOptions(options, endpoint);
  if (options.clusterNodes && options.clusterNodes.length > 0) {
    const { retryStrategy, ...nodeOptions } = redisOptions;
    const clusterOptions: ClusterOptions = {
      redisOptions: nodeOptions,
      clusterRetryStrategy: retryStrategy,
      ...(redisOptions.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    const cluster = new Cluster(
      options.clusterNodes.map((n) => ({ host: n.host, port: n.port })),
      clusterOptions,
    );
    attachErrorListener(cluster, options, options.clusterNodes.map((n) => `${n.host}:${n.port}`).join(','));
    return cluster;
  }
  const client = new Redis({ ...redisOptions, host: endpoint.host, port: endpoint.port, db: endpoint.db });
  attachErrorListener(client, options, `${endpoint.host}:${endpoint.port}`);
  return client;
}

/** True for a `Cluster` client: pipelines must then hold keys of one slot. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The connection options of a client: a Cluster's are those it gives each node connection. */
export function connectionOptionsOf(client: RedisClient): RedisOptions {
  return isCluster(client) ? (client.options.redisOptions ?? {}) : client.options;
}

/**
 * A new client to the same server or cluster, its connection options overridden (e.g. a longer command
 * timeout for blocking reads). A Cluster copy opens its own connections to every node.
 */
export function duplicateClient(client: RedisClient, overrides: RedisOptions): RedisClient {
  if (!isCluster(client)) return client.duplicate(overrides);
  return client.duplicate(undefined, {
    redisOptions: { ...client.options.redisOptions, ...overrides },
  });
}

/**
 * Every key matching `pattern` (SCAN, never KEYS). A Cluster's SCAN would cover one random node: each
 * master is scanned instead.
 */
export async function scanKeys(client: RedisClient, pattern: string, count = 500): Promise<string[]> {
  const nodes: Redis[] = isCluster(client) ? client.nodes('master') : [client];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}
