// The naive reference the aggregators are checked against: written separately and simply, sharing
// no code with src/. Dedupe by id (first arrival wins), sort by time (stable, so arrival order breaks
// ties), group by interval, fold each group in order.
import { equitySession, equitySessionDay, floorTime, type Timeframe, type Trade } from '@tickline/core';

/** The figures two bars must agree on. */
export interface Figures {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  vwap: number;
}

export function dedupeAndSort(trades: readonly Trade[]): Trade[] {
  const seen = new Set<string>();
  const unique = trades.filter((trade) => !seen.has(trade.id) && seen.add(trade.id));
  return unique
    .map((trade, index) => ({ trade, index }))
    .sort((a, b) => a.trade.ts - b.trade.ts || a.index - b.index)
    .map((entry) => entry.trade);
}

export function fold(start: number, group: readonly Trade[]): Figures {
  const prices = group.map((trade) => trade.price);
  let volume = 0;
  let notional = 0;
  for (const trade of group) {
    volume += trade.size;
    notional += trade.price * trade.size;
  }
  return {
    start,
    open: prices[0]!,
    high: Math.max(...prices),
    low: Math.min(...prices),
    close: prices[prices.length - 1]!,
    volume,
    trades: group.length,
    vwap: notional / volume,
  };
}

/** Reference time bars; `intervalOf` returns NaN for a trade that belongs to no bar. */
export function referenceBars(trades: readonly Trade[], intervalOf: (ts: number) => number): Figures[] {
  const groups = new Map<number, Trade[]>();
  for (const trade of dedupeAndSort(trades)) {
    const start = intervalOf(trade.ts);
    if (Number.isNaN(start)) continue;
    groups.set(start, [...(groups.get(start) ?? []), trade]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([start, group]) => fold(start, group));
}

export const utcInterval = (tf: Timeframe) => (ts: number) => floorTime(tf, ts);

export const sessionInterval = (extended: boolean) => (ts: number) => {
  const session = equitySession(equitySessionDay(ts), { extended });
  return session !== undefined && ts >= session.open && ts < session.close ? session.open : NaN;
};

/** Reference threshold bars: cut after the trade that reaches the threshold; the rest is the last bar. */
export function referenceThresholdBars(
  trades: readonly Trade[],
  reached: (group: Trade[]) => boolean,
): Figures[] {
  const bars: Figures[] = [];
  let group: Trade[] = [];
  for (const trade of dedupeAndSort(trades)) {
    group.push(trade);
    if (reached(group)) {
      bars.push(fold(group[0]!.ts, group));
      group = [];
    }
  }
  if (group.length > 0) bars.push(fold(group[0]!.ts, group));
  return bars;
}
