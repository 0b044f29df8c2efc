import { hostname } from 'node:os';
import { createRedis, streamKeys, type StreamConsumer } from '@tickline/bus';
import { redisConnectionSettings } from '@tickline/config';
import { createHistory, type ProviderAttempt } from '@tickline/history';
import { defineService, type ServiceContext, type ServiceDefinition } from '@tickline/runtime';
import type { Worker } from 'bullmq';
import { backfillMetrics, type BackfillMetrics } from './backfillMetrics';
import { BackfillQueues, bullConnection } from './backfillQueues';
import { startWorkers } from './backfillWorkers';
import { chunkProcessor } from './chunkProcessor';
import { enqueueBackfill } from './enqueueBackfill';
import { gapScheduler } from './gapScheduler';

export interface BackfillServiceOptions {
  /** Run the chunk and request workers. Default true. */
  readonly workers?: boolean;
  /** Consume `tl:gaps` and enqueue repairs. Default `backfill.repair.enabled`. */
  readonly repair?: boolean;
  /** This process's consumer name in the `tl:gaps` group. Default `backfill@<hostname>:<pid>`. */
  readonly consumer?: string;
}

/**
 * `tickline run backfill`: BullMQ workers that run backfill chunks (router with failover and shared
 * Redis limits, bars handed to the sink's bar streams) and sum requests, plus the gap scheduler that
 * turns `tl:gaps` entries into repair backfills. Any number of processes may run it.
 */
export function createBackfillService(options: BackfillServiceOptions = {}): ServiceDefinition {
  return defineService({
    name: 'backfill',
    async start(context: ServiceContext) {
      const { config, logger } = context;
      const settings = config.backfill;
      const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-backfill' });
      const connection = bullConnection(config, 'tickline-backfill-bull');
      const onAttempt = (attempt: ProviderAttempt) => {
        metrics.attempt(attempt); // called only by fetches, after metrics exist
        if (attempt.outcome !== 'ok')
          logger.warn({ ...attempt }, `backfill: provider ${attempt.provider} ${attempt.outcome}`);
      };
      const { router, providers } = createHistory(config, { redis, prefix: config.prefix, onAttempt });
      const queues = new BackfillQueues(connection, config.prefix);
      const metrics: BackfillMetrics = backfillMetrics(context.metrics, providers, queues);
      const keys = streamKeys(config.prefix);
      const workers: Worker[] =
        options.workers === false
          ? []
          : startWorkers(
              connection,
              config.prefix,
              chunkProcessor({ router, redis, keys, metrics, repairPenalty: settings.repair.penalty }),
              settings,
              metrics,
            );
      for (const worker of workers) {
        worker.on('error', (error) => logger.error({ err: error }, 'backfill: worker error'));
        worker.on('failed', (job, error) =>
          logger.warn(
            { job: job?.id, attempts: job?.attemptsMade, err: error.message },
            'backfill: job failed',
          ),
        );
      }
      // Connected before start returns, so a stop right after start closes everything it opened.
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      let scheduler: StreamConsumer | undefined;
      if (options.repair ?? settings.repair.enabled) {
        scheduler = gapScheduler({
          redis,
          keys,
          consumer: options.consumer ?? `backfill@${hostname()}:${process.pid}`,
          timeframes: settings.repair.timeframes,
          enqueue: (request) => enqueueBackfill(queues, router, settings, request),
          onGap: (venue) => metrics.gap(venue),
          logger,
        });
        await scheduler.start();
      }
      logger.info(
        { concurrency: settings.concurrency, workers: workers.length > 0, repair: scheduler !== undefined },
        'backfill: running',
      );
      return {
        checks: {
          redis: async () => void (await redis.ping()),
          queues: async () => void (await connection.ping()),
        },
        stop: async () => {
          const steps = [
            ...(scheduler ? [scheduler.stop()] : []),
            ...workers.map((worker) => worker.close()),
          ];
          const results = await Promise.allSettled(steps);
          await queues.close();
          connection.disconnect();
          redis.disconnect();
          const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failure) throw failure.reason;
        },
      };
    },
  });
}
