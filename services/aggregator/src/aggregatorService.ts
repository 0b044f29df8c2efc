import { createRedis, DeadLetterQueue, streamKeys, type ConsumerLogger } from '@tickline/bus';
import { redisConnectionSettings } from '@tickline/config';
import { parseInstrumentId } from '@tickline/core';
import { defineService, type ServiceContext, type ServiceDefinition } from '@tickline/runtime';
import { aggregatorMetrics } from './aggregatorMetrics';
import { resolveAggregatorOptions, type AggregatorOptions } from './aggregatorOptions';
import { InstrumentWorker, type WorkerDeps } from './instrumentWorker';

/**
 * The aggregator: per configured instrument a CheckpointingConsumer over its tick stream whose state is the
 * TimeBarAggregator; each batch's final bars and revisions go to `tl:bars:{venue:SYMBOL}:<tf>` in the same
 * atomic commit as the state and the stream position, so every bar is published exactly once across crashes.
 */
export function createAggregatorService(options: AggregatorOptions = {}): ServiceDefinition {
  return defineService({
    name: 'aggregator',
    async start(context: ServiceContext) {
      const { config, logger } = context;
      const settings = resolveAggregatorOptions(options, config);
      const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-aggregator' });
      const keys = streamKeys(config.prefix);
      const log: ConsumerLogger = {
        info: (message, details) => logger.info(details ?? {}, message),
        warn: (message, details) => logger.warn(details ?? {}, message),
        error: (message, details) => logger.error(details ?? {}, message),
      };
      const deps: WorkerDeps = {
        config,
        settings,
        keys,
        redis,
        deadLetters: new DeadLetterQueue(redis, keys.dlq('aggregator')),
        metrics: aggregatorMetrics(context.metrics),
        log,
      };
      const workers = config.instruments.map((id) => new InstrumentWorker(deps, parseInstrumentId(id)));
      await Promise.all(workers.map((w) => w.start()));
      logger.info(
        { instruments: config.instruments, timeframes: settings.timeframes, replay: settings.replay },
        'aggregator: consuming tick streams',
      );
      return {
        checks: { redis: async () => void (await redis.ping()) },
        stop: async () => {
          try {
            await Promise.all(workers.map((w) => w.stop()));
            if (settings.replay) {
              const flushed = await Promise.all(workers.map((w) => w.flush()));
              logger.info({ bars: flushed.reduce((a, b) => a + b, 0) }, 'aggregator: replay flushed');
            }
          } finally {
            redis.disconnect();
          }
        },
      };
    },
  });
}
