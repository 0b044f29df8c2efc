import type { Fundamentals } from '@tickline/core';

/** One provider of fundamentals. `name` is the provider part of the cache file names. */
export interface FundamentalsSource {
  readonly name: string;
  /**
   * Everything the provider offers for `symbol` (all data types), stamped `fetchedAt`. Rejects with
   * a coded FundamentalsError: RATE_LIMITED and UNAVAILABLE are worth trying elsewhere or later.
   */
  fetch(symbol: string, fetchedAt: number): Promise<Fundamentals>;
}
