import type { Bar } from '@tickline/core';

/**
 * A bar as JSON, as `tickline bars --format json` prints it and the gateway serves it: `start` in
 * ISO-8601 UTC, the quality with its flags.
 */
export interface BarJson {
  venue: string;
  symbol: string;
  timeframe: string;
  start: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  vwap: number;
  revision: number;
  source: string;
  quality: { score: number; flags: { code: string; penalty: number; detail?: string }[] };
}

const toIso = (ms: number) => new Date(ms).toISOString();

/** `iso` formats `start` (isoTimeFormatter is faster for runs of bars; same text). */
export function barJson(bar: Bar, iso: (ms: number) => string = toIso): BarJson {
  return {
    venue: bar.venue,
    symbol: bar.symbol,
    timeframe: bar.timeframe,
    start: iso(bar.start),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    trades: bar.trades,
    vwap: bar.vwap,
    revision: bar.revision,
    source: bar.source,
    // Fixed key order: PostgreSQL's jsonb reorders the keys of stored flags, the cache keeps them as written.
    quality: {
      score: bar.quality.score,
      flags: bar.quality.flags.map(({ code, penalty, detail }) => ({ code, penalty, detail })),
    },
  };
}
