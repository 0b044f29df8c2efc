import { createRedis, DeadLetterQueue, lagReadiness, streamKeys, type ConsumerLogger } from '@tickline/bus';
import { redisConnectionSettings } from '@tickline/config';
import { instrumentId, parseInstrumentId, type InstrumentRef } from '@tickline/core';
import { defineService, type ServiceContext, type ServiceDefinition } from '@tickline/runtime';
import { aggregatorMetrics } from './aggregatorMetrics';
import { resolveAggregatorOptions, type AggregatorOptions } from './aggregatorOptions';
import { InstrumentWorker, type WorkerDeps } from './instrumentWorker';
import { LeaseKeeper } from './leaseKeeper';

/**
 * The aggregator: per instrument it holds the lease of, a CheckpointingConsumer over its tick stream whose
 * state is the TimeBarAggregator; each batch's final bars and revisions go to `tl:bars:{venue:SYMBOL}:<tf>`
 * in the same atomic commit as the state and the stream position, so every bar is published exactly once
 * across crashes and handovers. Several instances share the configured instruments through the leases.
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
      const { leaseMs, leaseRenewMs } = config.aggregator;
      const deps: WorkerDeps = {
        config,
        settings,
        keys,
        redis,
        deadLetters: new DeadLetterQueue(redis, keys.dlq('aggregator')),
        metrics: aggregatorMetrics(context.metrics),
        log,
        // Holding the lease, entries pending with anyone else are a dead or stale holder's: take them over
        // as soon as that holder's lease must have run out (the checkpoint fences a stale one anyway).
        consumer: {
          claimIdleMs: Math.min(config.bus.consumer.claimIdleMs, Math.max(1, leaseMs - leaseRenewMs)),
        },
      };
      const workers = new Map<string, InstrumentWorker>();
      let flushed = 0;
      let stopping = false;
      const keeper = new LeaseKeeper({
        redis,
        prefix: config.prefix,
        owner: settings.group,
        instruments: config.instruments.map(parseInstrumentId),
        token: settings.consumer,
        leaseMs,
        renewMs: leaseRenewMs,
        log,
        start: async (instrument: InstrumentRef) => {
          const worker = new InstrumentWorker(deps, instrument);
          workers.set(worker.id, worker);
          deps.metrics.held(workers.size);
          await worker.start();
        },
        stop: async (instrument: InstrumentRef) => {
          const worker = workers.get(instrumentId(instrument));
          workers.delete(instrumentId(instrument));
          deps.metrics.held(workers.size);
          await worker?.stop();
          // Replay's end of input is the service's stop, not a handover: only then are open bars final.
          if (worker && settings.replay && stopping) flushed += await worker.flush();
        },
      });
      try {
        await keeper.start();
      } catch (error) {
        await keeper.stop().catch(() => undefined);
        redis.disconnect();
        throw error;
      }
      logger.info(
        {
          instruments: keeper.instruments.map(instrumentId),
          of: config.instruments.length,
          timeframes: settings.timeframes,
          replay: settings.replay,
        },
        'aggregator: consuming tick streams',
      );
      return {
        checks: {
          redis: async () => void (await redis.ping()),
          lag: lagReadiness(
            redis,
            () => config.instruments.map((id) => keys.ticks(parseInstrumentId(id))),
            settings.group,
            config.runtime.readyMaxLag,
          ),
        },
        stop: async () => {
          stopping = true;
          try {
            await keeper.stop();
            if (settings.replay) logger.info({ bars: flushed }, 'aggregator: replay flushed');
          } finally {
            redis.disconnect();
          }
        },
      };
    },
  });
}
