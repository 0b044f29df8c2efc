import { compareTimeframes, floorTime, isMultipleOf, nextBoundary, type Timeframe } from '@tickline/core';
import { alignRange, requestId, type BackfillRequest } from './backfillRequest';

/** One chunk job: about one provider request's worth of bars, on the target timeframe's grid. */
export interface Chunk {
  /** Deterministic: the request id and the chunk's start. */
  id: string;
  request: string;
  venue: string;
  symbol: string;
  /** The bars to produce. */
  timeframe: Timeframe;
  /** The bars to fetch: `timeframe`, or a finer one rolled up. */
  fetchTimeframe: Timeframe;
  from: number;
  to: number;
  provider?: BackfillRequest['provider'];
  repair?: BackfillRequest['repair'];
}

// Finer timeframes tried, in order, when no provider serves the target itself.
const ROLLUP_SOURCES: readonly Timeframe[] = ['1d', '1h', '1m'];

/**
 * The timeframe to fetch: the target when a provider serves it (and no rollup is asked for), otherwise
 * the coarsest finer timeframe a provider serves that divides the target. Undefined when none does.
 */
export function fetchTimeframe(
  request: Pick<BackfillRequest, 'timeframe' | 'rollupFrom'>,
  served: (timeframe: Timeframe) => boolean,
): Timeframe | undefined {
  if (request.rollupFrom !== undefined) {
    return isMultipleOf(request.timeframe, request.rollupFrom) && served(request.rollupFrom)
      ? request.rollupFrom
      : undefined;
  }
  if (served(request.timeframe)) return request.timeframe;
  return ROLLUP_SOURCES.find(
    (tf) => compareTimeframes(tf, request.timeframe) < 0 && isMultipleOf(request.timeframe, tf) && served(tf),
  );
}

/**
 * Cuts the request's aligned range into chunks of about `chunkMs` (one provider request), each made of
 * whole target bars, so a rolled-up bar never straddles two chunks.
 */
export function planChunks(request: BackfillRequest, fetchTf: Timeframe, chunkMs: number): Chunk[] {
  if (!(chunkMs > 0)) throw new Error(`chunk size must be positive, got ${chunkMs}`);
  const { timeframe } = request;
  const { from, to } = alignRange(timeframe, request.from, request.to);
  const id = requestId(request);
  const chunks: Chunk[] = [];
  for (let start = from; start < to;) {
    let end = floorTime(timeframe, start + chunkMs);
    if (end <= start) end = nextBoundary(timeframe, start);
    end = Math.min(end, to);
    chunks.push({
      id: `${id}.${start}`,
      request: id,
      venue: request.venue,
      symbol: request.symbol,
      timeframe,
      fetchTimeframe: fetchTf,
      from: start,
      to: end,
      ...(request.provider ? { provider: request.provider } : {}),
      ...(request.repair ? { repair: request.repair } : {}),
    });
    start = end;
  }
  return chunks;
}
