import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { TicklineConfig } from './loadConfig';

/** What a Redis client needs from the config (the shape `createRedis` of @tickline/bus takes). */
export interface RedisConnectionSettings {
  readonly url: string;
  /** Redis Cluster seed nodes (`redis.cluster`); absent for a single server. */
  readonly clusterNodes?: readonly { readonly host: string; readonly port: number }[];
  readonly username?: string;
  readonly password?: string;
  readonly tls: false | ConnectionOptions;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** The config's Redis section as connection settings: ACL user, password and TLS included. */
export function redisConnectionSettings(config: TicklineConfig): RedisConnectionSettings {
  const { url, cluster, username, password, tls, commandTimeoutMs, connectTimeoutMs } = config.redis;
  return {
    url,
    ...(cluster.length === 0 ? {} : { clusterNodes: cluster.map(clusterNode) }),
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

/** `host:port` or `[v6 address]:port` as a cluster seed node. */
function clusterNode(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return {
    host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: Number(address.slice(colon + 1)),
  };
}
