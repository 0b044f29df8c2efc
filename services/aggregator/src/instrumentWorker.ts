import {
  TimeBarAggregator,
  type AggregationEvent,
  type TimeAggregatorState,
  type TimeBarAggregatorOptions,
} from '@tickline/aggregation';
import {
  CheckpointingConsumer,
  messageOf,
  msgpackCodec,
  parseStreamId,
  removeIdleConsumers,
  type ConsumedRecord,
  type ConsumerLogger,
  type DeadLetterQueue,
  type ProcessResult,
  type RedisClient,
  type StateCodec,
  type StreamKeys,
  type TickResult,
} from '@tickline/bus';
import type { TicklineConfig } from '@tickline/config';
import { instrumentId, type InstrumentRef, type Trade } from '@tickline/core';
import { type AggregatorMetrics } from './aggregatorMetrics';
import { type ResolvedAggregatorOptions } from './aggregatorOptions';
import { batchOutputs } from './barOutputs';

/** The aggregator state codec: the TimeBarAggregator itself in memory, its snapshot (msgpack) in Redis. */
export function aggregatorStateCodec(options: TimeBarAggregatorOptions): StateCodec<TimeBarAggregator> {
  return {
    encode: (aggregator) => msgpackCodec.encode(aggregator.snapshot()),
    decode: (bytes) => TimeBarAggregator.restore(options, msgpackCodec.decode(bytes) as TimeAggregatorState),
  };
}

/** What every instrument worker of one service shares. */
export interface WorkerDeps {
  readonly config: TicklineConfig;
  readonly settings: ResolvedAggregatorOptions;
  readonly keys: StreamKeys;
  readonly redis: RedisClient;
  readonly deadLetters: DeadLetterQueue;
  readonly metrics: AggregatorMetrics;
  readonly log: ConsumerLogger;
  /** Overrides for the consumer of every worker (the lease keeper shortens the reclaim time). */
  readonly consumer?: { readonly claimIdleMs?: number; readonly claimIntervalMs?: number };
}

/**
 * One instrument: a CheckpointingConsumer over its tick stream whose state is its TimeBarAggregator. Each
 * batch's final bars and revisions are committed with the state, the position and the acks. Between
 * batches a tick publishes partial bars at the configured rate and, in live mode, finalizes the bars of
 * a quiet instrument by wall clock; those outputs commit with the state at the unchanged position.
 */
export class InstrumentWorker {
  readonly id: string;
  readonly checkpointing: CheckpointingConsumer<TimeBarAggregator>;
  private lastBatchAt = Date.now();
  private lastPartialsAt = 0;
  /** Trades arrived since the last partial bars went out. */
  private partialsDirty = false;

  constructor(
    private readonly deps: WorkerDeps,
    readonly instrument: InstrumentRef,
  ) {
    const { settings, keys, config } = deps;
    this.id = instrumentId(instrument);
    const aggregatorOptions: TimeBarAggregatorOptions = {
      venue: instrument.venue,
      symbol: instrument.symbol,
      timeframes: settings.timeframes,
      allowedLatenessMs: settings.allowedLatenessMs,
      revisionWindowMs: settings.revisionWindowMs,
      source: 'live',
    };
    const bus = config.bus.consumer;
    const tickMs = tickInterval(settings);
    this.checkpointing = new CheckpointingConsumer<TimeBarAggregator>({
      redis: deps.redis,
      stream: keys.ticks(instrument),
      checkpointKey: keys.checkpoint(settings.group, instrument),
      group: settings.group,
      consumer: settings.consumer,
      deadLetterKey: keys.dlq('aggregator'),
      count: bus.batchSize,
      blockMs: bus.blockMs,
      claimIdleMs: bus.claimIdleMs,
      maxAttempts: bus.maxAttempts,
      ...deps.consumer,
      logger: deps.log,
      onRefused: () => deps.metrics.refused(),
      initialState: () => new TimeBarAggregator(aggregatorOptions),
      stateCodec: aggregatorStateCodec(aggregatorOptions),
      // The aggregator handed in is the one of the last commit (kept in memory) or, after a refused or
      // failed commit, one restored from the checkpoint: restore-or-keep comes with the consumer.
      process: (aggregator, records) => this.process(aggregator, records),
      tick: tickMs > 0 ? { intervalMs: tickMs, run: (aggregator) => this.tick(aggregator) } : undefined,
    });
  }

  async start(): Promise<void> {
    await this.checkpointing.start();
    // Consumers of processes gone before (a restart reads under a new name) with nothing left pending.
    const { redis, keys, settings, config, log } = this.deps;
    const stream = keys.ticks(this.instrument);
    const { leaseMs, leaseRenewMs } = config.aggregator; // idle this long: a dead holder's, surely
    await removeIdleConsumers(redis, stream, settings.group, settings.consumer, leaseMs - leaseRenewMs).catch(
      (error: unknown) =>
        log.warn('aggregator: could not remove idle consumers', { stream, error: messageOf(error) }),
    );
  }

  stop(): Promise<void> {
    return this.checkpointing.stop();
  }

  /**
   * Replay mode's end: every open bar becomes final, committed with the flushed state at the same
   * position (fenced by the commit count). Returns the bars published.
   */
  async flush(): Promise<number> {
    let bars = 0;
    const committed = await this.checkpointing.apply((aggregator) => {
      const events = aggregator.flush();
      bars = events.filter((event) => event.kind === 'final' || event.kind === 'revision').length;
      return this.outputs(aggregator, events);
    });
    return committed ? bars : 0;
  }

  private async process(
    aggregator: TimeBarAggregator,
    records: readonly ConsumedRecord[],
  ): Promise<ProcessResult<TimeBarAggregator>> {
    const now = Date.now();
    this.lastBatchAt = now;
    const events = this.pushByEntry(aggregator, records, now);
    this.partialsDirty = true;
    if (this.partialsDue(now)) this.addPartials(aggregator, events, now);
    const outputs = batchOutputs(events, this.deps.keys, this.instrument, {
      partials: true,
      maxPerEntry: this.deps.settings.maxBarsPerEntry,
    });
    // The DLQ is another hash tag, so it cannot join the atomic commit: written first (at least once).
    const stream = this.deps.keys.ticks(this.instrument);
    for (const event of outputs.rejected) {
      this.deps.metrics.rejected(event.reason);
      await this.deps.deadLetters.add({
        payload: msgpackCodec.encode(event.trade),
        reason: `${event.reason}: ${event.detail}`,
        stream,
        entryId: '',
        group: this.deps.settings.group,
        time: Date.now(),
        deliveries: 1,
      });
    }
    this.deps.metrics.trades(this.id, records.length);
    for (const bar of outputs.bars) this.deps.metrics.bar(bar.timeframe, bar.kind);
    return { state: aggregator, outputs: outputs.entries };
  }

  /**
   * Pushes the batch entry by entry, so that each bar made final is timed from the entry whose trades
   * closed it (the entry id is the ingestor's XADD time).
   */
  private pushByEntry(
    aggregator: TimeBarAggregator,
    records: readonly ConsumedRecord[],
    now: number,
  ): AggregationEvent[] {
    const events: AggregationEvent[] = [];
    let start = 0;
    while (start < records.length) {
      const entryId = records[start]!.position.entryId;
      let end = start + 1;
      while (end < records.length && records[end]!.position.entryId === entryId) end++;
      const before = events.length;
      aggregator.pushAll(
        records.slice(start, end).map((r) => r.record as Trade),
        events,
      );
      const entryMs = parseStreamId(entryId).ms;
      for (let i = before; i < events.length; i++) {
        const event = events[i]!;
        if (event.kind === 'final' && event.bar.revision === 0) {
          this.deps.metrics.tickToBar(Math.max(0, now - entryMs) / 1000);
        }
      }
      start = end;
    }
    return events;
  }

  /** Between batches: wall-clock finalization of a quiet instrument, and partial bars that are due. */
  private tick(aggregator: TimeBarAggregator): TickResult<TimeBarAggregator> {
    const { wallClockMs, allowedLatenessMs } = this.deps.settings;
    const now = Date.now();
    const events: AggregationEvent[] = [];
    if (wallClockMs > 0 && now - this.lastBatchAt >= wallClockMs) {
      aggregator.advanceTo(now - allowedLatenessMs, events);
    }
    if (this.partialsDirty && this.partialsDue(now)) this.addPartials(aggregator, events, now);
    return this.outputs(aggregator, events);
  }

  private partialsDue(now: number): boolean {
    const interval = this.deps.settings.partialIntervalMs;
    return interval > 0 && now - this.lastPartialsAt >= interval;
  }

  private addPartials(aggregator: TimeBarAggregator, events: AggregationEvent[], now: number): void {
    aggregator.partials(events);
    this.lastPartialsAt = now;
    this.partialsDirty = false;
  }

  /** The bar entries of events produced outside a batch; undefined when there are none. */
  private outputs(
    aggregator: TimeBarAggregator,
    events: readonly AggregationEvent[],
  ): TickResult<TimeBarAggregator> {
    const outputs = batchOutputs(events, this.deps.keys, this.instrument, {
      partials: true,
      maxPerEntry: this.deps.settings.maxBarsPerEntry,
    });
    if (outputs.entries.length === 0) return undefined;
    for (const bar of outputs.bars) this.deps.metrics.bar(bar.timeframe, bar.kind);
    return { state: aggregator, outputs: outputs.entries };
  }
}

/**
 * How often the tick runs: a quarter of the quiet time (so a quiet instrument's bar closes at most that
 * late after its end plus the lateness) or the partial rate if finer; 0 for never.
 */
function tickInterval(settings: ResolvedAggregatorOptions): number {
  const { wallClockMs, partialIntervalMs } = settings;
  const rates = [wallClockMs > 0 ? Math.max(10, Math.round(wallClockMs / 4)) : 0, partialIntervalMs];
  const positive = rates.filter((ms) => ms > 0);
  return positive.length === 0 ? 0 : Math.min(...positive);
}
