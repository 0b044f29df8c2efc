import { z } from 'zod';
import { decimal, type ProviderBar } from '../historyBars';

const ms = z.number().int();
const dec = z.string().regex(/^-?\d+(\.\d+)?$/, { error: 'expected a decimal string' });

/** One row of GET /api/v3/klines: a 12-element array, prices and volumes as decimal strings. */
export const BinanceKlineSchema = z.tuple([
  ms,
  dec,
  dec,
  dec,
  dec,
  dec,
  ms,
  dec,
  z.number().int(),
  dec,
  dec,
  z.string(),
]);
export const BinanceKlinesSchema = z.array(BinanceKlineSchema);
export type BinanceKline = z.infer<typeof BinanceKlineSchema>;

/** Kline rows → provider bars. Quote volume is the notional, so vwap = quote volume / volume exactly. */
export function mapBinanceKlines(rows: readonly BinanceKline[]): ProviderBar[] {
  return rows.map(([openTime, open, high, low, close, volume, , quoteVolume, trades]) => {
    const base = decimal(volume);
    const notional = decimal(quoteVolume);
    return {
      start: openTime,
      open: decimal(open),
      high: decimal(high),
      low: decimal(low),
      close: decimal(close),
      volume: base,
      trades,
      notional,
      // No volume, no trades: the bar's price is its close.
      vwap: base > 0 ? notional / base : decimal(close),
    };
  });
}
