import type { BusLogger, RedisConnectionOptions } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import type { Database } from '@tickline/storage';
import { ClientError } from './clientError';

/** Options of {@link createClient}; every field has a default, so `{}` works against a local Redis. */
export interface ClientOptions {
  /** Redis connection (url, ACL user, password, TLS, timeouts). Default `redis://127.0.0.1:6379`. */
  readonly redis?: RedisConnectionOptions;
  /** Key prefix of the streams. Default `tl`. */
  readonly prefix?: string;
  /** PostgreSQL holding the bars; history comes from it when set. Default: none. */
  readonly databaseUrl?: string;
  /** Schema of the bar tables (the connections' search_path). Default: the server's. */
  readonly databaseSchema?: string;
  /** An open pool to read history from instead of `databaseUrl`; the client does not end it. */
  readonly database?: Database;
  /** File cache root; history comes from it when no database is configured. Default: none. */
  readonly cacheDir?: string;
  /** Longest wait of one XREAD, in ms; bounds how long an unsubscribe or `close()` takes. Default 1000. */
  readonly blockMs?: number;
  /** Entries per XREAD. Default 500. */
  readonly readCount?: number;
  /** First delay after a Redis error, in ms, doubled per failure with jitter. Default 100. */
  readonly retryBaseMs?: number;
  /** Longest delay between attempts, in ms. Default 5000. Retries never give up. */
  readonly retryMaxMs?: number;
  /**
   * When entries were trimmed before a subscription read them (it was disconnected or slow while the sink
   * acknowledged them), history is re-read from this long before the newest bar it delivered. Default 1 day.
   */
  readonly gapLookbackMs?: number;
  /** Bar keys remembered per subscription to drop repeats at the seam. Default 100000. */
  readonly maxTrackedBars?: number;
  /**
   * Stream reader connections at most: the client keeps one blocking reader per stream subscribed to, shared
   * by all its subscriptions of that stream, plus one connection for the commands that never block. A
   * subscription to a further stream fails at once with TOO_MANY_READERS. Default: no cap.
   */
  readonly maxReaders?: number;
  /** Redis errors survived and records skipped are reported here. Default: nowhere. */
  readonly logger?: BusLogger;
}

export const CLIENT_DEFAULTS = {
  prefix: 'tl',
  blockMs: 1000,
  readCount: 500,
  retryBaseMs: 100,
  retryMaxMs: 5000,
  maxTrackedBars: 100_000,
  gapLookbackMs: 86_400_000,
  maxReaders: Number.POSITIVE_INFINITY,
} as const;

/** The shared configuration as client options: Redis, prefix, database URL and cache dir. */
export function clientOptionsFromConfig(config: TicklineConfig): ClientOptions {
  return {
    redis: redisConnectionSettings(config),
    prefix: config.prefix,
    databaseUrl: config.database.url,
    cacheDir: config.cache.dir,
  };
}

/** A loaded TicklineConfig (it has sections no ClientOptions has), as opposed to ClientOptions. */
export function isTicklineConfig(input: TicklineConfig | ClientOptions): input is TicklineConfig {
  return 'instruments' in input && 'bus' in input;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `client option ${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

export type ResolvedClientOptions = Required<
  Pick<
    ClientOptions,
    | 'prefix'
    | 'blockMs'
    | 'readCount'
    | 'retryBaseMs'
    | 'retryMaxMs'
    | 'maxTrackedBars'
    | 'gapLookbackMs'
    | 'maxReaders'
  >
> &
  ClientOptions;

/** Options with defaults filled in; a bad number is an error naming the option. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const d = CLIENT_DEFAULTS;
  return {
    ...options,
    prefix: options.prefix ?? d.prefix,
    blockMs: positive('blockMs', options.blockMs, d.blockMs),
    readCount: positive('readCount', options.readCount, d.readCount),
    retryBaseMs: positive('retryBaseMs', options.retryBaseMs, d.retryBaseMs),
    retryMaxMs: positive('retryMaxMs', options.retryMaxMs, d.retryMaxMs),
    maxTrackedBars: positive('maxTrackedBars', options.maxTrackedBars, d.maxTrackedBars),
    gapLookbackMs: positive('gapLookbackMs', options.gapLookbackMs, d.gapLookbackMs),
    maxReaders: positive('maxReaders', options.maxReaders, d.maxReaders),
  };
}
