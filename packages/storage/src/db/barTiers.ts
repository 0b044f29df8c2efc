import type { Timeframe } from '@tickline/core';

/**
 * Bars live in one table per tier of similar timeframes, so each tier gets a TimescaleDB chunk interval
 * that suits its row rate (a single table would force 1s-sized chunks on daily bars, spreading ten years
 * of one instrument over 3,650 chunks). A query always names one timeframe, hence one table; the `bars`
 * view unions the tiers for ad-hoc SQL. Sizing assumes up to ~1,000 instruments and keeps a chunk
 * (with its index) in the hundreds of MB, Timescale's guidance being "a chunk fits in 25% of memory".
 */
export interface BarTier {
  readonly table: string;
  readonly timeframes: readonly Timeframe[];
  /** TimescaleDB `chunk_time_interval`. */
  readonly chunkInterval: string;
  /**
   * Age after which Timescale compresses a chunk; well past the revision window and the usual backfill
   * horizon, since writing into a compressed chunk is slower. Null: not worth compressing.
   */
  readonly compressAfter: string | null;
}

export const BAR_TIERS: readonly BarTier[] = [
  // 1s bars: 86,400 rows per instrument and day.
  {
    table: 'bars_seconds',
    timeframes: ['1s', '5s', '15s', '30s'],
    chunkInterval: '1 day',
    compressAfter: '7 days',
  },
  // 1m bars: 10,080 rows per instrument and week.
  {
    table: 'bars_minutes',
    timeframes: ['1m', '3m', '5m', '15m', '30m'],
    chunkInterval: '7 days',
    compressAfter: '30 days',
  },
  // 1h bars: ~2,160 rows per instrument and quarter.
  {
    table: 'bars_hours',
    timeframes: ['1h', '2h', '4h', '6h', '12h'],
    chunkInterval: '90 days',
    compressAfter: '365 days',
  },
  // Daily and longer: ~3,650 rows per instrument and decade; too few to be worth compressing.
  { table: 'bars_days', timeframes: ['1d', '1w', '1M'], chunkInterval: '3650 days', compressAfter: null },
];

const TABLE_OF = new Map<Timeframe, string>(
  BAR_TIERS.flatMap((tier) => tier.timeframes.map((tf) => [tf, tier.table] as const)),
);

/** The table holding bars of `timeframe`. */
export function barTable(timeframe: Timeframe): string {
  const table = TABLE_OF.get(timeframe);
  if (table === undefined) throw new Error(`no bar table for timeframe ${timeframe}`);
  return table;
}
