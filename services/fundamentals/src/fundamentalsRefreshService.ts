import { createRedis } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import {
  createFundamentalsService,
  PgSnapshotHistory,
  type FundamentalsProviderName,
} from '@tickline/fundamentals';
import { apiKeyId, ProviderGate, RedisRateLimiter, type RateLimitRule } from '@tickline/providers';
import { defineService, type ServiceDefinition } from '@tickline/runtime';
import { connectDatabase } from '@tickline/storage';
import type { ConnectionOptions } from 'bullmq';
import { RefreshJobs } from './refreshJobs';

/**
 * FMP's limit is per plan and not in the config yet: its free plan's 250 requests a day
 * [paid plans allow more; raise it here until a setting exists].
 */
const FMP_LIMITS: readonly RateLimitRule[] = [{ limit: 250, windowMs: 86_400_000 }];

/** BullMQ's connection from the config: no retry limit per request (its blocking workers need that). */
export function bullConnectionOptions(config: TicklineConfig): ConnectionOptions {
  const url = new URL(config.redis.url);
  const settings = redisConnectionSettings(config);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(settings.tls === false ? {} : { tls: settings.tls }),
    connectTimeout: settings.connectTimeoutMs,
    maxRetriesPerRequest: null,
  };
}

/**
 * `tickline run fundamentals`: the universes of `fundamentals.refresh` on their cron, each symbol
 * fetched through gates on the Redis limits the backfill also books (Yahoo per IP, Alpha Vantage
 * per API key, same keys), into the file cache and, with `database.url`, the PostgreSQL history.
 */
export function createFundamentalsRefreshService(): ServiceDefinition {
  return defineService({
    name: 'fundamentals',
    async start({ config, logger }) {
      const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-fundamentals' });
      const db = config.database.url ? connectDatabase(config.database.url, { max: 2 }) : undefined;
      const limits: Record<FundamentalsProviderName, readonly RateLimitRule[]> = {
        fmp: FMP_LIMITS,
        yahoo: config.backfill.limits.yahoo,
        alphavantage: config.backfill.limits.alphavantage,
      };
      const keyId = (provider: FundamentalsProviderName) =>
        provider === 'yahoo' ? 'ip' : apiKeyId(config.venues[provider].apiKey);
      const { service, skipped } = createFundamentalsService(
        { root: config.cache.dir, ...config.fundamentals, venues: config.venues },
        {
          ...(db ? { history: new PgSnapshotHistory(db) } : {}),
          gateFor: (provider) =>
            new ProviderGate({
              provider,
              limiter: new RedisRateLimiter({
                redis,
                prefix: config.prefix,
                provider,
                keyId: keyId(provider),
                rules: limits[provider],
              }),
              breaker: {
                failureThreshold: config.backfill.breakerFailures,
                cooldownMs: config.backfill.breakerCooldownMs,
              },
            }),
        },
      );
      for (const s of skipped) logger.warn({ provider: s.provider }, `fundamentals: ${s.reason}`);
      const { universes, attempts } = config.fundamentals.refresh;
      const jobs = new RefreshJobs(
        {
          connection: bullConnectionOptions(config),
          prefix: `${config.prefix}:{fundamentals}`,
          universes,
          attempts,
        },
        service,
      );
      await jobs.start();
      jobs.worker?.on('failed', (job, error) =>
        logger.warn(
          { job: job?.id, attempts: job?.attemptsMade, err: error.message },
          'fundamentals: refresh failed',
        ),
      );
      logger.info({ universes: universes.map((u) => u.name) }, 'fundamentals: refresh scheduled');
      return {
        checks: { redis: async () => void (await redis.ping()) },
        stop: async () => {
          await jobs.close();
          redis.disconnect();
          await db?.$pool.end();
        },
      };
    },
  });
}
