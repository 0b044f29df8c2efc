import * as os from 'node:os';
import { createRedis, type Heartbeat, heartbeatsKey, type RedisClient, writeHeartbeat } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import type { Logger } from './logger';

export interface HeartbeatOptions {
  readonly config: TicklineConfig;
  readonly services: readonly string[];
  readonly url: string;
  readonly logger: Logger;
  /** Default: the heartbeat client made from the config's Redis settings. */
  readonly redis?: RedisClient;
}

export interface Heartbeats {
  /** Removes this process's entries (a graceful stop is not a death) and closes the connection. */
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the version of the running code, read once
const VERSION = (require('../package.json') as { version: string }).version;

/**
 * Writes one heartbeat per service of this process every `runtime.heartbeatIntervalMs`, so that
 * `tickline status` sees who runs, where, since when. A failed write is logged (once per outage)
 * and never stops the services: Redis being down is theirs to report.
 */
export function startHeartbeats(options: HeartbeatOptions): Heartbeats {
  const { config, services, url, logger } = options;
  const intervalMs = config.runtime.heartbeatIntervalMs;
  const redis =
    options.redis ?? createRedis({ ...redisConnectionSettings(config), name: 'tickline-heartbeat' });
  const instance = `${os.hostname()}:${process.pid}`;
  const startedAt = Date.now();
  let failing = false;

  const beat = async (): Promise<void> => {
    try {
      for (const service of services) {
        const entry: Heartbeat = {
          service,
          instance,
          version: VERSION,
          pid: process.pid,
          startedAt,
          beatAt: Date.now(),
          ttlMs: intervalMs * 3,
          url,
          phase: 'running',
        };
        await writeHeartbeat(redis, config.prefix, entry);
      }
      if (failing) logger.info('heartbeats written again');
      failing = false;
    } catch (err) {
      if (!failing) logger.warn({ err }, 'cannot write heartbeats to Redis; retrying every interval');
      failing = true;
    }
  };
  // Beats run one after another, so `stop` can wait for the last one before removing the entries.
  let inFlight = beat();
  const timer = setInterval(() => {
    inFlight = inFlight.then(beat);
  }, intervalMs);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      try {
        const fields = services.map((service) => `${service}@${instance}`);
        if (fields.length > 0) await redis.hdel(heartbeatsKey(config.prefix), ...fields);
      } catch (err) {
        logger.warn({ err }, 'cannot remove heartbeats on stop');
      } finally {
        if (options.redis === undefined) redis.disconnect();
      }
    },
  };
}
