import { createRedis, DeadLetterQueue, lagReadiness, StreamConsumer, streamKeys } from '@tickline/bus';
import { parseInstrumentId } from '@tickline/core';
import { redisConnectionSettings } from '@tickline/config';
import { defineService, type ServiceContext, type ServiceDefinition } from '@tickline/runtime';
import { connectDatabase, queryBars, type Database } from '@tickline/storage';
import { BarBatcher } from './barBatcher';
import { barsOf } from './barRecords';
import { cacheHealer, publishGaps } from './cacheHealer';
import { resolveSinkOptions, type SinkOptions } from './sinkOptions';
import { sinkMetrics } from './sinkMetrics';
import { cacheStore, databaseStore, StoreWriter, type BarStore } from './storeWriter';

/**
 * The sink: one StreamConsumer per configured instrument over its bar streams (one hash tag each), their
 * bars gathered into batches, each batch written to PostgreSQL (one round trip, idempotent upsert) and to
 * the file cache, and acked only once both committed. A store that is down holds the batch (and so the
 * stream position) with retries and backoff and turns readiness red; it never pushes bars to the DLQ.
 */
export function createSinkService(options: SinkOptions = {}): ServiceDefinition {
  return defineService({
    name: 'sink',
    async start(context: ServiceContext) {
      const { config, logger, signal } = context;
      const settings = resolveSinkOptions(options, {
        hasDatabaseUrl: config.database.url !== undefined,
        consumer: config.sink.consumer,
      });
      const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-sink' });
      const db: Database | undefined =
        settings.database && config.database.url !== undefined
          ? connectDatabase(config.database.url, {
              schema: settings.schema,
              applicationName: 'tickline-sink',
            })
          : undefined;
      const metrics = sinkMetrics(context.metrics);
      const keys = streamKeys(config.prefix);
      const heal = cacheHealer({
        root: config.cache.dir,
        rowsFrom: db ? async (year) => (await queryBars(db, year)).filter((bar) => bar.final) : undefined,
        publishGaps: (gaps) => publishGaps(redis, keys.gaps(), gaps),
        metrics,
        log: (level, message, details) => logger[level](details, message),
      });
      const stores: BarStore[] = [];
      if (db) stores.push(databaseStore(db));
      if (settings.cache) stores.push(cacheStore(config.cache.dir, heal));
      const writer = new StoreWriter({
        stores,
        metrics,
        signal,
        backoff: settings.retryBackoff,
        log: (message, details) => logger.warn(details, message),
      });
      const instruments = config.instruments.map(parseInstrumentId);
      const batcher = new BarBatcher({
        write: (bars) => writer.write(bars),
        maxBars: settings.maxBatchBars,
        lingerMs: settings.lingerMs,
        participants: instruments.length,
        maxInFlight: settings.batchesInFlight,
      });
      const deadLetters = new DeadLetterQueue(redis, keys.dlq('sink'));
      const consumerLog = {
        info: (message: string, details?: Record<string, unknown>) => logger.info(details ?? {}, message),
        warn: (message: string, details?: Record<string, unknown>) => logger.warn(details ?? {}, message),
        error: (message: string, details?: Record<string, unknown>) => logger.error(details ?? {}, message),
      };
      const consumers = instruments.map(
        (instrument) =>
          new StreamConsumer({
            redis,
            streams: settings.timeframes.map((tf) => keys.bars(instrument, tf)),
            group: settings.group,
            consumer: settings.consumer,
            deadLetterKey: keys.dlq('sink'),
            count: Math.min(config.bus.consumer.batchSize, settings.readEntries),
            blockMs: config.bus.consumer.blockMs,
            claimIdleMs: config.bus.consumer.claimIdleMs,
            maxAttempts: config.bus.consumer.maxAttempts,
            logger: consumerLog,
            handler: async (entries) => {
              const bars = await barsOf(entries, deadLetters, settings.group);
              if (bars.length > 0) await batcher.add(bars);
            },
          }),
      );
      await Promise.all(consumers.map((consumer) => consumer.start()));
      logger.info(
        {
          instruments: config.instruments,
          timeframes: settings.timeframes,
          stores: stores.map((s) => s.name),
        },
        'sink: consuming bar streams',
      );
      return {
        checks: {
          redis: async () => void (await redis.ping()),
          stores: () => {
            if (writer.problem !== undefined) throw new Error(writer.problem);
          },
          lag: lagReadiness(
            redis,
            () =>
              instruments.flatMap((instrument) => settings.timeframes.map((tf) => keys.bars(instrument, tf))),
            settings.group,
            config.runtime.readyMaxLag,
          ),
        },
        stop: async () => {
          try {
            await Promise.all(consumers.map((consumer) => consumer.stop()));
          } finally {
            redis.disconnect();
            await db?.$pool.end();
          }
        },
      };
    },
  });
}
