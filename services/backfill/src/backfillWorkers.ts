import { hostname } from 'node:os';
import type { RedisClient } from '@tickline/bus';
import { Worker, type Job } from 'bullmq';
import { CHUNKS_QUEUE, REQUESTS_QUEUE, bullPrefix } from './backfillQueues';
import type { BackfillMetrics } from './backfillMetrics';
import type { ChunkResult } from './chunkProcessor';
import type { Chunk } from './chunkPlan';
import type { RequestJobData } from './enqueueBackfill';
import { retryDelay } from './retryDelay';

export interface WorkerSettings {
  concurrency: number;
  backoffMs: number;
  lockDurationMs: number;
}

/** A request's summary once every chunk is done. */
export interface RequestSummary {
  bars: number;
  chunks: number;
  sources: string[];
  rejected: number;
  failovers: string[];
}

// Retries of one chunk never wait longer than this (a Retry-After can ask for more).
const MAX_BACKOFF_MS = 300_000;
// A job whose worker died is taken over this many times before it fails.
const MAX_STALLED = 5;

/**
 * The chunk worker (concurrency from config; locks renewed while a chunk waits for the shared rate
 * limit; a crashed worker's chunk is taken over once its lock expires) and the request worker, which
 * sums the chunks' results into the request's summary.
 */
export function startWorkers(
  connection: RedisClient,
  prefix: string,
  processChunk: (job: Job<Chunk>) => Promise<ChunkResult>,
  settings: WorkerSettings,
  metrics?: BackfillMetrics,
): Worker[] {
  const timed =
    <T, R>(kind: 'chunk' | 'request', run: (job: Job<T>) => Promise<R>) =>
    async (job: Job<T>): Promise<R> => {
      const started = performance.now();
      try {
        const result = await run(job);
        metrics?.job(kind, 'completed', (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        metrics?.job(kind, 'failed', (performance.now() - started) / 1000);
        throw error;
      }
    };
  const common = {
    // Recorded on each job it runs (processedBy): which process did the work.
    name: `backfill@${hostname()}:${process.pid}`,
    connection,
    prefix: bullPrefix(prefix),
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.lockDurationMs,
    maxStalledCount: MAX_STALLED,
  };
  const chunks = new Worker<Chunk, ChunkResult>(CHUNKS_QUEUE, timed('chunk', processChunk), {
    ...common,
    concurrency: settings.concurrency,
    settings: {
      backoffStrategy: (attemptsMade, _type, error) =>
        retryDelay(attemptsMade, error, settings.backoffMs, MAX_BACKOFF_MS),
    },
  });
  const requests = new Worker<RequestJobData, RequestSummary>(REQUESTS_QUEUE, timed('request', summarize), {
    ...common,
    concurrency: 4,
  });
  return [chunks, requests];
}

async function summarize(job: Job<RequestJobData>): Promise<RequestSummary> {
  const values = Object.values(await job.getChildrenValues<ChunkResult>());
  return {
    bars: values.reduce((sum, v) => sum + v.bars, 0),
    chunks: values.length,
    sources: [...new Set(values.flatMap((v) => v.sources))].sort(),
    rejected: values.reduce((sum, v) => sum + v.rejected, 0),
    failovers: [...new Set(values.flatMap((v) => v.failovers))].sort(),
  };
}
