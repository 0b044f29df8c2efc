import {
  classifySymbol,
  isFixedTimeframe,
  timeframeMs,
  type Instrument,
  type Timeframe,
} from '@tickline/core';
import type { HistoryRouter } from '@tickline/history';
import { ProviderError } from '@tickline/providers';
import type { BackfillQueues } from './backfillQueues';
import { CHUNKS_QUEUE, REQUESTS_QUEUE } from './backfillQueues';
import { alignRange, parseBackfillRequest, requestId, type BackfillRequest } from './backfillRequest';
import { fetchTimeframe, planChunks } from './chunkPlan';

/** Job settings from config `backfill`. */
export interface JobSettings {
  attempts: number;
  keepDays: number;
  repair: { delayMs: number };
}

/** What the parent job holds: the request and its plan. */
export interface RequestJobData {
  request: BackfillRequest;
  fetchTimeframe: Timeframe;
  chunks: number;
  /** Bars the range holds at most (the progress line's total). */
  expectedBars: number;
  createdAt: number;
}

export interface Enqueued {
  id: string;
  chunks: number;
  fetchTimeframe: Timeframe;
  /** True when the same request was already queued or done: nothing was added. */
  existed: boolean;
}

// Chunk size when every candidate's breaker is open (the router then cannot say): one day; the
// chunks wait in their retries until a provider is back.
const DEFAULT_CHUNK_MS = 86_400_000;

export function instrumentOf(venue: string, symbol: string): Instrument {
  return { venue, symbol, assetClass: classifySymbol(symbol, venue as Instrument['venue']) } as Instrument;
}

/**
 * Turns a request into a BullMQ flow: a parent job (progress, summary) and one child per chunk, each
 * sized to one provider request by the router. Ids are deterministic, so a repeated request adds
 * nothing (unless it failed: then it starts over). Repairs wait until their bars have closed (plus
 * `repair.delayMs`).
 */
export async function enqueueBackfill(
  queues: BackfillQueues,
  router: HistoryRouter,
  settings: JobSettings,
  input: unknown,
  now = Date.now(),
): Promise<Enqueued> {
  const request = parseBackfillRequest(input);
  const id = requestId(request);
  const instrument = instrumentOf(request.venue, request.symbol);
  const { from, to } = alignRange(request.timeframe, request.from, request.to);
  const routeFor = (timeframe: Timeframe) => ({
    instrument,
    timeframe,
    from,
    to,
    provider: request.provider,
  });
  const fetchTf = fetchTimeframe(request, (tf) => router.plan(routeFor(tf)).candidates.length > 0);
  if (fetchTf === undefined) {
    const why = router
      .plan(routeFor(request.timeframe))
      .excluded.map((e) => `${e.provider}: ${e.reason}`)
      .join('; ');
    throw new ProviderError(
      'REQUEST_REJECTED',
      `no provider serves ${request.venue}:${request.symbol} ${request.timeframe} or a finer timeframe to roll up${why ? ` (${why})` : ''}`,
    );
  }
  const existing = await queues.requests.getJob(id);
  const chunks = planChunks(request, fetchTf, router.chunkMs(routeFor(fetchTf)) ?? DEFAULT_CHUNK_MS);
  if (existing !== undefined) {
    // Asked again after it failed: start over (chunks already done publish the same bars again,
    // which the sink's upsert absorbs). Queued, running or done: nothing to add.
    if ((await existing.getState()) !== 'failed') {
      return { id, chunks: chunks.length, fetchTimeframe: fetchTf, existed: true };
    }
    await existing.remove({ removeChildren: true });
  }
  const keep = { age: settings.keepDays * 86_400 };
  const data: RequestJobData = {
    request,
    fetchTimeframe: fetchTf,
    chunks: chunks.length,
    expectedBars: expectedBars(request.timeframe, from, to),
    createdAt: now,
  };
  await queues.flow.add({
    name: 'request',
    queueName: REQUESTS_QUEUE,
    data,
    opts: { jobId: id, removeOnComplete: keep, removeOnFail: keep },
    children: chunks.map((chunk) => ({
      name: 'chunk',
      queueName: CHUNKS_QUEUE,
      data: chunk,
      opts: {
        jobId: chunk.id,
        attempts: settings.attempts,
        backoff: { type: 'provider' },
        failParentOnFailure: true,
        removeOnComplete: keep,
        removeOnFail: keep,
        ...(request.repair ? { delay: Math.max(0, chunk.to + settings.repair.delayMs - now) } : {}),
      },
    })),
  });
  return { id, chunks: chunks.length, fetchTimeframe: fetchTf, existed: false };
}

/** Bars the range holds when every slot has one (24/7); sessions and quiet slots make fewer. */
function expectedBars(timeframe: Timeframe, from: number, to: number): number {
  const step = isFixedTimeframe(timeframe) ? timeframeMs(timeframe) : 30 * 86_400_000;
  return Math.max(1, Math.round((to - from) / step));
}
