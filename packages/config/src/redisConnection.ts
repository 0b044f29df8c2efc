import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { TicklineConfig } from './loadConfig';

/** What a Redis client needs from the config (the shape `createRedis` of @tickline/bus takes). */
export interface RedisConnectionSettings {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls: false | ConnectionOptions;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** The config's Redis section as connection settings: ACL user, password and TLS included. */
export function redisConnectionSettings(config: TicklineConfig): RedisConnectionSettings {
  const { url, username, password, tls, commandTimeoutMs, connectTimeoutMs } = config.redis;
  return {
    url,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    tls: tls.enabled
      ? {
          rejectUnauthorized: tls.rejectUnauthorized,
          ...(tls.servername === undefined ? {} : { servername: tls.servername }),
          ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile, 'utf8') }),
        }
      : false,
    commandTimeoutMs,
    connectTimeoutMs,
  };
}
