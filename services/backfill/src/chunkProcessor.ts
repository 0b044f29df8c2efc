import { DeadLetterQueue, type StreamKeys } from '@tickline/bus';
import type { HistoryRouter } from '@tickline/history';
import { isProviderError } from '@tickline/providers';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { publishBars } from './barStream';
import type { BackfillMetrics } from './backfillMetrics';
import { chunkBars } from './chunkBars';
import type { Chunk } from './chunkPlan';
import { instrumentOf } from './enqueueBackfill';

/** What a finished chunk reports to its parent (summed into the request's progress). */
export interface ChunkResult {
  bars: number;
  /** The sources (provider:adjustment) of its bars: more than one after a failover. */
  sources: string[];
  rejected: number;
  /** Providers that failed or were skipped before one served the chunk. */
  failovers: string[];
}

export interface ChunkProcessorDeps {
  router: HistoryRouter;
  redis: Redis | Cluster;
  keys: StreamKeys;
  metrics?: BackfillMetrics;
  repairPenalty: number;
  now?: () => number;
}

/**
 * Runs one chunk: fetch its range through the router (failover, shared limits), keep the closed bars
 * inside the chunk, roll up and score them, and hand them to the sink's bar stream; rejected provider
 * bars go to `tl:dlq:backfill` with the reason. A retryable provider error is thrown for BullMQ to
 * retry with backoff; any other fails the job for good. Publishing again after a crash is harmless:
 * the sink upserts by bar key.
 */
export function chunkProcessor(deps: ChunkProcessorDeps): (job: Job<Chunk>) => Promise<ChunkResult> {
  const now = deps.now ?? Date.now;
  const deadLetters = new DeadLetterQueue(deps.redis, deps.keys.dlq('backfill'));
  return async (job) => {
    const chunk = job.data;
    const instrument = instrumentOf(chunk.venue, chunk.symbol);
    let range;
    try {
      range = await deps.router.fetchRange({
        instrument,
        timeframe: chunk.fetchTimeframe,
        from: chunk.from,
        to: chunk.to,
        provider: chunk.provider,
      });
    } catch (error) {
      if (isProviderError(error) && error.retryable) throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw new UnrecoverableError(`chunk ${chunk.id}: ${why}`);
    }
    const bars = chunkBars(chunk, range.bars, { now: now(), repairPenalty: deps.repairPenalty });
    await publishBars(deps.redis, deps.keys, bars);
    for (const rejected of range.rejected) {
      await deadLetters.add({
        payload: Buffer.from(JSON.stringify({ chunk: chunk.id, index: rejected.index })),
        reason: `${rejected.provider}: ${rejected.reason}`,
        stream: `backfill:${chunk.venue}:${chunk.symbol}:${chunk.fetchTimeframe}`,
        entryId: chunk.id,
        group: 'backfill',
        time: now(),
        deliveries: job.attemptsMade + 1,
      });
    }
    const sources = [...new Set(bars.map((bar) => bar.source))];
    for (const source of sources) {
      const count = bars.filter((bar) => bar.source === source).length;
      deps.metrics?.bars(source, chunk.repair ? 'repair' : 'backfill', count);
    }
    return {
      bars: bars.length,
      sources,
      rejected: range.rejected.length,
      failovers: range.attempts.filter((a) => a.outcome !== 'ok').map((a) => a.provider),
    };
  };
}
