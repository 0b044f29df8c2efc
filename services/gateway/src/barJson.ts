import type { Bar } from '@tickline/core';

/** A bar as JSON, the same fields and values as `tickline bars --format json` (start in ISO-8601 UTC). */
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

export function barJson(bar: Bar): BarJson {
  return {
    venue: bar.venue,
    symbol: bar.symbol,
    timeframe: bar.timeframe,
    start: new Date(bar.start).toISOString(),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    trades: bar.trades,
    vwap: bar.vwap,
    revision: bar.revision,
    source: bar.source,
    quality: {
      score: bar.quality.score,
      flags: bar.quality.flags.map(({ code, penalty, detail }) => ({ code, penalty, detail })),
    },
  };
}
