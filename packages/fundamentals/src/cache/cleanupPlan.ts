/** One cache file of one provider, as cleanup sees it. */
export interface CacheEntry {
  name: string;
  /** From the file name. */
  timestamp: number;
  /** Whether the file reads as a valid snapshot. */
  good: boolean;
  /** Last modification, ms: a corrupt file this young may still be being written by an old-system writer. */
  mtimeMs: number;
}

export interface CleanupPolicy {
  /** Good copies to keep per provider, newest first; at least 1 [CLEANUP_DEFAULTS.keepGood]. */
  keepGood?: number;
  /** Corrupt files younger than this are left alone, ms [CLEANUP_DEFAULTS.corruptGraceMs]. */
  corruptGraceMs?: number;
}

/**
 * The one place these defaults are written. Three good copies per provider, so that
 * `tickline fundamentals restore` has earlier copies to roll back to even without a database.
 */
export const CLEANUP_DEFAULTS = { keepGood: 3, corruptGraceMs: 60_000 } as const;

/**
 * The files of ONE provider to delete. Pure. The newest good copies are kept (at least one whenever
 * any exists), judged by content, not by name: a corrupt newest file never costs the last good one.
 * Older good copies and settled corrupt files go.
 */
export function planCleanup(
  entries: readonly CacheEntry[],
  now: number,
  policy: CleanupPolicy = {},
): string[] {
  const keepGood = Math.max(1, Math.floor(policy.keepGood ?? CLEANUP_DEFAULTS.keepGood));
  const grace = policy.corruptGraceMs ?? CLEANUP_DEFAULTS.corruptGraceMs;
  const good = entries
    .filter((entry) => entry.good)
    .sort((a, b) => b.timestamp - a.timestamp || b.mtimeMs - a.mtimeMs);
  const kept = new Set(good.slice(0, keepGood).map((entry) => entry.name));
  return entries
    .filter((entry) => !kept.has(entry.name))
    .filter((entry) => entry.good || now - entry.mtimeMs >= grace)
    .map((entry) => entry.name);
}
