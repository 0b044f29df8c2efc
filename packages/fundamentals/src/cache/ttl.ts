import { DATA_TYPES, dataTypeOf, type FundamentalsDataType } from '../fieldCatalog';

export type TtlDays = Record<FundamentalsDataType, number>;

/** How long a snapshot serves each data type before a refresh, in days. */
export const DEFAULT_TTL_DAYS: TtlDays = {
  profile: 14,
  ratios: 3,
  statements: 90,
  calendar: 7,
  dividends: 7,
  other: 7,
};

const DAY_MS = 86_400_000;

/** Defaults overridden by `overrides`; a negative or non-finite TTL is refused, naming the type. */
export function resolveTtl(overrides: Partial<TtlDays> = {}): TtlDays {
  const ttl = { ...DEFAULT_TTL_DAYS, ...overrides };
  for (const type of DATA_TYPES) {
    if (!Number.isFinite(ttl[type]) || ttl[type] < 0) {
      throw new RangeError(`fundamentals TTL for ${type} must be 0 or more days, got ${String(ttl[type])}`);
    }
  }
  return ttl;
}

/**
 * How long a snapshot holding `fieldNames` stays fresh for `dataType`, in ms. Without a data type,
 * every type the snapshot holds must be fresh: the shortest of their TTLs.
 */
export function ttlMs(ttl: TtlDays, fieldNames: readonly string[], dataType?: FundamentalsDataType): number {
  if (dataType !== undefined) return ttl[dataType] * DAY_MS;
  const types = new Set(fieldNames.map(dataTypeOf));
  if (types.size === 0) return ttl.other * DAY_MS;
  return Math.min(...[...types].map((type) => ttl[type])) * DAY_MS;
}

/** Fresh means younger than the TTL; a snapshot from the future (clock skew) counts as fresh. */
export function isFresh(fetchedAt: number, now: number, ttl: number): boolean {
  return now - fetchedAt < ttl;
}
