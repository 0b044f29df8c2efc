import {
  TimeBarAggregator,
  type TimeAggregatorState,
  type TimeBarAggregatorOptions,
} from '@tickline/aggregation';
import {
  CheckpointingConsumer,
  createRedis,
  DeadLetterQueue,
  msgpackCodec,
  streamKeys,
  type ConsumerLogger,
  type StateCodec,
  type StreamKeys,
} from '@tickline/bus';
import { redisConnectionSettings } from '@tickline/config';
import { instrumentId, parseInstrumentId, type InstrumentRef, type Trade } from '@tickline/core';
import { defineService, type ServiceContext, type ServiceDefinition } from '@tickline/runtime';
import { aggregatorMetrics, type AggregatorMetrics } from './aggregatorMetrics';
import {
  resolveAggregatorOptions,
  type AggregatorOptions,
  type ResolvedAggregatorOptions,
} from './aggregatorOptions';
import { batchOutputs, type BatchOutputs } from './barOutputs';

/** The aggregator state codec: the TimeBarAggregator itself in memory, its snapshot (msgpack) in Redis. */
export function aggregatorStateCodec(options: TimeBarAggregatorOptions): StateCodec<TimeBarAggregator> {
  return {
    encode: (aggregator) => msgpackCodec.encode(aggregator.snapshot()),
    decode: (bytes) => TimeBarAggregator.restore(options, msgpackCodec.decode(bytes) as TimeAggregatorState),
  };
}

interface InstrumentWorker {
  readonly id: string;
  readonly checkpointing: CheckpointingConsumer<TimeBarAggregator>;
  readonly codec: StateCodec<TimeBarAggregator>;
  readonly instrument: InstrumentRef;
}

interface WorkerDeps {
  readonly context: ServiceContext;
  readonly settings: ResolvedAggregatorOptions;
  readonly keys: StreamKeys;
  readonly redis: ConstructorParameters<typeof DeadLetterQueue>[0];
  readonly deadLetters: DeadLetterQueue;
  readonly metrics: AggregatorMetrics;
  readonly log: ConsumerLogger;
}

async function deadLetter(deps: WorkerDeps, stream: string, outputs: BatchOutputs): Promise<void> {
  for (const event of outputs.rejected) {
    deps.metrics.rejected(event.reason);
    await deps.deadLetters.add({
      payload: msgpackCodec.encode(event.trade),
      reason: `${event.reason}: ${event.detail}`,
      stream,
      entryId: '',
      group: deps.settings.group,
      time: Date.now(),
      deliveries: 1,
    });
  }
}

function createWorker(deps: WorkerDeps, instrument: InstrumentRef): InstrumentWorker {
  const { settings, keys, context } = deps;
  const id = instrumentId(instrument);
  const aggregatorOptions: TimeBarAggregatorOptions = {
    venue: instrument.venue,
    symbol: instrument.symbol,
    timeframes: settings.timeframes,
    allowedLatenessMs: settings.allowedLatenessMs,
    revisionWindowMs: settings.revisionWindowMs,
    source: 'live',
  };
  const codec = aggregatorStateCodec(aggregatorOptions);
  const stream = keys.ticks(instrument);
  const { consumer: bus } = context.config.bus;
  const checkpointing = new CheckpointingConsumer<TimeBarAggregator>({
    redis: deps.redis,
    stream,
    checkpointKey: keys.checkpoint(settings.group, instrument),
    group: settings.group,
    consumer: settings.consumer,
    deadLetterKey: keys.dlq('aggregator'),
    count: bus.batchSize,
    blockMs: bus.blockMs,
    claimIdleMs: bus.claimIdleMs,
    maxAttempts: bus.maxAttempts,
    logger: deps.log,
    initialState: () => new TimeBarAggregator(aggregatorOptions),
    stateCodec: codec,
    // The aggregator the consumer hands back is the one of the last commit (kept in memory) or, after a
    // refused or failed commit, one restored from the checkpoint: restore-or-keep comes with the consumer.
    process: async (aggregator, records) => {
      const events = aggregator.pushAll(records.map((r) => r.record as Trade));
      if (settings.partials) aggregator.partials(events);
      const outputs = batchOutputs(events, keys, instrument, {
        partials: settings.partials,
        maxPerEntry: settings.maxBarsPerEntry,
      });
      // The DLQ is another hash tag, so it cannot join the atomic commit: written first (at least once).
      await deadLetter(deps, stream, outputs);
      deps.metrics.trades(id, records.length);
      for (const bar of outputs.bars) deps.metrics.bar(bar.timeframe, bar.kind);
      return { state: aggregator, outputs: outputs.entries };
    },
  });
  return { id, checkpointing, codec, instrument };
}

/**
 * Replay mode's end: every open bar becomes final. Runs after the consumer stopped, so nothing else
 * commits meanwhile; the commit keeps the position and adds the flushed bars with the flushed state.
 */
async function flushWorker(deps: WorkerDeps, worker: InstrumentWorker): Promise<number> {
  let current = worker.checkpointing.current;
  if (!current) {
    const loaded = await worker.checkpointing.checkpointer.load();
    if (!loaded) return 0;
    current = { state: worker.codec.decode(loaded.state), position: loaded.position };
  }
  const { position } = current;
  if (!position) return 0;
  const events = current.state.flush();
  const outputs = batchOutputs(events, deps.keys, worker.instrument, {
    partials: false,
    maxPerEntry: deps.settings.maxBarsPerEntry,
  });
  if (outputs.entries.length === 0) return 0;
  const result = await worker.checkpointing.checkpointer.commit({
    expected: position,
    position,
    state: worker.codec.encode(current.state),
    outputs: outputs.entries,
    samePosition: true,
  });
  if (!result.committed) {
    deps.log.warn('aggregator: flush commit refused (another instance committed meanwhile)', {
      instrument: worker.id,
    });
    return 0;
  }
  for (const bar of outputs.bars) deps.metrics.bar(bar.timeframe, bar.kind);
  return outputs.bars.length;
}

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
      const settings = resolveAggregatorOptions(options);
      const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-aggregator' });
      const keys = streamKeys(config.prefix);
      const log: ConsumerLogger = {
        info: (message, details) => logger.info(details ?? {}, message),
        warn: (message, details) => logger.warn(details ?? {}, message),
        error: (message, details) => logger.error(details ?? {}, message),
      };
      const deps: WorkerDeps = {
        context,
        settings,
        keys,
        redis,
        deadLetters: new DeadLetterQueue(redis, keys.dlq('aggregator')),
        metrics: aggregatorMetrics(context.metrics),
        log,
      };
      const workers = config.instruments.map((id) => createWorker(deps, parseInstrumentId(id)));
      await Promise.all(workers.map((w) => w.checkpointing.start()));
      logger.info(
        { instruments: config.instruments, timeframes: settings.timeframes, replay: settings.replay },
        'aggregator: consuming tick streams',
      );
      return {
        checks: { redis: async () => void (await redis.ping()) },
        stop: async () => {
          try {
            await Promise.all(workers.map((w) => w.checkpointing.stop()));
            if (settings.replay) {
              const flushed = await Promise.all(workers.map((w) => flushWorker(deps, w)));
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
