import { z } from 'zod';
import type { ProviderBar } from '../historyBars';

const series = z.array(z.number().nullable());

const ChartResultSchema = z.object({
  meta: z.object({ symbol: z.string(), exchangeTimezoneName: z.string().optional() }),
  /** Absent when the range holds no bars (then `quote` is `[{}]`). */
  timestamp: z.array(z.number().int()).optional(),
  indicators: z.object({
    quote: z.array(
      z.object({ open: series, high: series, low: series, close: series, volume: series }).partial(),
    ),
    adjclose: z.array(z.object({ adjclose: series })).optional(),
  }),
});

/** GET /v8/finance/chart/{symbol}: one result, or an error envelope. */
export const YahooChartSchema = z.object({
  chart: z.object({
    result: z.array(ChartResultSchema).nullable(),
    error: z.object({ code: z.string(), description: z.string() }).nullable(),
  }),
});
export type YahooChart = z.infer<typeof YahooChartSchema>;

/** Rows Yahoo sent without prices (nulls: no trading in the interval), by index. */
export interface YahooRows {
  bars: ProviderBar[];
  /** Indexes (into `timestamp`) of rows whose prices were null. */
  empty: number[];
}

/**
 * A chart result → provider bars (unix seconds → ms). Yahoo's OHLC are split-adjusted; with
 * `dividends` the prices are scaled by adjclose/close, which adds dividend adjustment (daily only).
 */
export function mapYahooChart(chart: YahooChart, dividends = false): YahooRows {
  const result = chart.chart.result?.[0];
  const times = result?.timestamp ?? [];
  const quote = result?.indicators.quote[0] ?? {};
  const adjclose = result?.indicators.adjclose?.[0]?.adjclose;
  const bars: ProviderBar[] = [];
  const empty: number[] = [];
  times.forEach((seconds, i) => {
    const [open, high, low, close] = [quote.open?.[i], quote.high?.[i], quote.low?.[i], quote.close?.[i]];
    if (open == null || high == null || low == null || close == null) return void empty.push(i);
    const factor = dividends ? (adjclose?.[i] ?? NaN) / close : 1;
    bars.push({
      start: seconds * 1000,
      open: open * factor,
      high: high * factor,
      low: low * factor,
      close: close * factor,
      volume: quote.volume?.[i] ?? 0,
    });
  });
  return { bars, empty };
}
