import { rollup, scoreBar } from '@tickline/aggregation';
import { nextBoundary, type Bar, type QualityFlag, type QualityFlagCode } from '@tickline/core';
import type { Chunk } from './chunkPlan';

/**
 * Revision of a repaired bar. Storage's precedence lets a higher revision replace a final live bar;
 * the aggregator's late-trade revisions count up from 0, one per late trade within its revision
 * window, and stay far below this, so a repair from the venue's own history wins.
 */
export const REPAIR_REVISION = 1000;

export interface ChunkBarsOptions {
  /** Bars ending after this time are not closed yet and are left to the live pipeline. */
  now: number;
  /** Score penalty of a repaired bar (its trades were never seen by us). */
  repairPenalty: number;
}

/**
 * The bars a chunk hands to the sink: the fetched bars inside the chunk, rolled up when they are finer
 * than the target, closed ones only, each quality-scored; repairs carry the repair revision and flag.
 * Pure: the same fetched bars give the same output.
 */
export function chunkBars(chunk: Chunk, fetched: readonly Bar[], options: ChunkBarsOptions): Bar[] {
  const inside = fetched.filter((bar) => bar.start >= chunk.from && bar.start < chunk.to);
  const bars =
    chunk.fetchTimeframe === chunk.timeframe
      ? inside
      : rollup(inside, chunk.timeframe, { until: options.now }).filter((bar) => bar.final);
  const out: Bar[] = [];
  let previousClose: number | undefined;
  for (const bar of bars) {
    const end = bar.end ?? nextBoundary(bar.timeframe, bar.start);
    if (end > options.now) break; // oldest first: every later bar is open too
    const quality = scoreBar(bar, { end, previousClose });
    previousClose = bar.close;
    if (chunk.repair === undefined) out.push({ ...bar, final: true, quality });
    else {
      const flag: QualityFlag & { code: QualityFlagCode } = {
        code: 'repaired',
        penalty: options.repairPenalty,
        detail: `${chunk.repair.cause} gap repaired from ${bar.source}`,
      };
      const flags = [...quality.flags, flag];
      const score = Math.max(0, quality.score - options.repairPenalty);
      out.push({ ...bar, final: true, revision: REPAIR_REVISION, quality: { score, flags } });
    }
  }
  return out;
}
