import type { Bar } from '@tickline/core';

/**
 * Which of two versions of the same bar key wins, in the database and in the file cache alike:
 *
 * 1. the higher `revision` wins (a late-trade correction or a deliberate repair);
 * 2. at the same revision, a final bar beats a partial one;
 * 3. at the same revision and finality, a live bar (`source: 'live'`, built from our own trades and
 *    quality-scored) beats a bar from a history provider. A backfill therefore fills holes and
 *    completes partial live bars, but only replaces a final live bar when it is written as a repair,
 *    i.e. with a higher revision;
 * 4. when all three tie, the later write wins (successive partial updates of a live bar).
 *
 * Returned as a tuple so SQL can compare it with a row comparison (see upsertBars).
 */
export function precedenceKey(bar: Pick<Bar, 'revision' | 'final' | 'source'>): [number, number, number] {
  return [bar.revision, bar.final ? 1 : 0, sourceRank(bar.source)];
}

/** Live bars outrank provider bars at equal revision and finality. */
export function sourceRank(source: string): number {
  return source === LIVE_SOURCE ? 1 : 0;
}

export const LIVE_SOURCE = 'live';

/** Negative when `a` loses to `b`, 0 on a tie (then the later write wins), positive when `a` wins. */
export function comparePrecedence(
  a: Pick<Bar, 'revision' | 'final' | 'source'>,
  b: Pick<Bar, 'revision' | 'final' | 'source'>,
): number {
  const ka = precedenceKey(a);
  const kb = precedenceKey(b);
  for (let i = 0; i < ka.length; i++) {
    const diff = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The identity of a stored bar. */
export function barKey(bar: Pick<Bar, 'venue' | 'symbol' | 'timeframe' | 'start'>): string {
  return `${bar.venue}\u0000${bar.symbol}\u0000${bar.timeframe}\u0000${bar.start}`;
}

/**
 * Merges `incoming` (in write order) over `existing` with the precedence rule, one bar per key.
 * The result is in no particular order.
 */
export function mergeByPrecedence<T extends Bar>(
  existing: Iterable<T>,
  incoming: Iterable<T>,
): Map<string, T> {
  const merged = new Map<string, T>();
  for (const bar of existing) merged.set(barKey(bar), bar);
  for (const bar of incoming) {
    const key = barKey(bar);
    const current = merged.get(key);
    if (current === undefined || comparePrecedence(bar, current) >= 0) merged.set(key, bar);
  }
  return merged;
}
