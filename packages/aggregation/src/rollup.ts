import { floorTime, isMultipleOf, nextBoundary, type Bar } from '@tickline/core';
import { AggregationError } from './aggregationError';
import { BarBuilder, barFromBuilder } from './barBuilder';
import { barGrid, specName, type BarGrid, type TimeBarSpec } from './barGrid';

export interface RollupOptions {
  /** Higher bars ending after this time are returned as partial (final false). Default: none. */
  until?: number;
}

/**
 * Higher-timeframe bars from the bars of one lower timeframe of one instrument, equal to what
 * aggregating the trades directly gives: OHLC from the first and last bars and the extremes, volume
 * and trades summed, vwap volume-weighted. Of several revisions of a bar the highest counts; filled
 * bars (no trades) are ignored, so an interval of only fills yields no bar, as from trades. A higher
 * bar is final when all its bars are and it ends by `until`. Core's Bar has no notional, so vwap is
 * rebuilt from vwap * volume: equal to the direct vwap to float rounding, not bit for bit.
 */
export function rollup(lower: readonly Bar[], higher: TimeBarSpec, options: RollupOptions = {}): Bar[] {
  const first = lower[0];
  if (first === undefined) return [];
  checkSeries(lower, first, higher);
  const grid = barGrid(higher);
  const result: Bar[] = [];
  let builder = new BarBuilder();
  let groupStart = NaN;
  let final = true;
  const publish = () => {
    if (builder.trades === 0) return;
    const end = grid.endOf(groupStart);
    const label = {
      venue: first.venue,
      symbol: first.symbol,
      timeframe: grid.timeframe,
      start: groupStart,
      ...(grid.explicitEnd ? { end } : {}),
      final: final && (options.until === undefined || end <= options.until),
      revision: 0,
      quality: { score: 1, flags: [] },
      source: first.source,
    };
    result.push(barFromBuilder(builder, label));
  };
  for (const bar of latestRevisions(lower)) {
    if (bar.trades === 0) continue;
    const end = bar.end ?? nextBoundary(bar.timeframe, bar.start);
    const start = groupOf(grid, bar, end, higher);
    if (Number.isNaN(start)) continue;
    if (start !== groupStart) {
      publish();
      builder = new BarBuilder();
      groupStart = start;
      final = true;
    }
    builder.addBar(bar, end);
    final &&= bar.final;
  }
  publish();
  return result;
}

function checkSeries(lower: readonly Bar[], first: Bar, higher: TimeBarSpec): void {
  const mixed = lower.find(
    (bar) => bar.venue !== first.venue || bar.symbol !== first.symbol || bar.timeframe !== first.timeframe,
  );
  if (mixed !== undefined) {
    throw new AggregationError(
      'MIXED_SERIES',
      `rollup takes one series: ${first.venue}:${first.symbol} ${first.timeframe} mixed with ${mixed.venue}:${mixed.symbol} ${mixed.timeframe}`,
    );
  }
  const target = typeof higher === 'string' ? higher : '30m';
  if (!isMultipleOf(target, first.timeframe)) {
    throw new AggregationError(
      'NOT_A_MULTIPLE',
      `${specName(higher)} bars are not whole runs of ${first.timeframe} bars`,
    );
  }
}

/** The higher interval a lower bar falls in; NaN when it is wholly outside (an equity session). */
function groupOf(grid: BarGrid, bar: Bar, end: number, higher: TimeBarSpec): number {
  const start = grid.startOf(bar.start);
  const last = grid.startOf(end - 1);
  const onGrid = bar.end !== undefined || floorTime(bar.timeframe, bar.start) === bar.start;
  if (onGrid && (start === last || (Number.isNaN(start) && Number.isNaN(last)))) return start;
  const where = `the ${bar.timeframe} bar at ${new Date(bar.start).toISOString()}`;
  throw new AggregationError(
    'MISALIGNED_BAR',
    onGrid
      ? `${where} does not fit in one ${specName(higher)} bar`
      : `${where} does not start on a ${bar.timeframe} boundary`,
  );
}

/** One bar per start, the highest revision, in time order. */
function latestRevisions(bars: readonly Bar[]): Bar[] {
  const byStart = new Map<number, Bar>();
  for (const bar of bars) {
    const known = byStart.get(bar.start);
    if (known === undefined || bar.revision >= known.revision) byStart.set(bar.start, bar);
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}
