import { bullConnection, createRedis } from '@tickline/bus';
import { redisConnectionSettings } from '@tickline/config';
import {
  createFundamentalsService,
  PgSnapshotHistory,
  type FundamentalsProviderName,
} from '@tickline/fundamentals';
import { apiKeyId, ProviderGate, RedisRateLimiter, type RateLimitRule } from '@tickline/providers';
import { defineService, type ServiceDefinition } from '@tickline/runtime';
import { connectDatabase } from '@tickline/storage';
import { CacheSweeper } from './cacheSweeper';
import { RefreshJobs } from './refreshJobs';
import { refreshPrefix } from './refreshSchedule';

/**
 * `tickline run fundamentals`: the universes of `fundamentals.refresh` on their cron, each symbol
 * fetched through gates on the Redis limits the backfill also books (Yahoo per IP, Alpha Vantage
 * per API key, same keys), into the file cache and, with `database.url`, the PostgreSQL history.
 */
export function createFundamentalsRefreshService(): ServiceDefinition {
  return defineService({
    name: 'fundamentals',
    async start({ config, logger, metrics }) {
      const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-fundamentals' });
      const db = config.database.url ? connectDatabase(config.database.url, { max: 2 }) : undefined;
      const limits: Record<FundamentalsProviderName, readonly RateLimitRule[]> = {
        fmp: config.fundamentals.fmpLimits,
        yahoo: config.backfill.limits.yahoo,
        alphavantage: config.backfill.limits.alphavantage,
      };
      const keyId = (provider: FundamentalsProviderName) =>
        provider === 'yahoo' ? 'ip' : apiKeyId(config.venues[provider].apiKey);
      const sweeper = new CacheSweeper({
        intervalMs: config.fundamentals.cleanup.sweepIntervalMs,
        registry: metrics,
        logger,
      });
      const { service, skipped } = createFundamentalsService(
        { root: config.cache.dir, ...config.fundamentals, venues: config.venues },
        {
          ...(db ? { history: new PgSnapshotHistory(db) } : {}),
          onDeleted: sweeper.deleted,
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
      sweeper.start(service.store, service.cleanupPolicy);
      for (const s of skipped) logger.warn({ provider: s.provider }, `fundamentals: ${s.reason}`);
      const { universes, attempts } = config.fundamentals.refresh;
      const bull = bullConnection(redisConnectionSettings(config), 'tickline-fundamentals-bull');
      const jobs = new RefreshJobs(
        {
          connection: bull,
          prefix: refreshPrefix(config.prefix),
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
          await sweeper.stop();
          bull.disconnect();
          redis.disconnect();
          await db?.$pool.end();
        },
      };
    },
  });
}
