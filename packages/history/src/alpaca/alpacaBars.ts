import { z } from 'zod';
import type { ProviderBar } from '../historyBars';

/** One bar of Alpaca's REST bars endpoints (`n` and `vw` are missing in older replies). */
export const AlpacaBarSchema = z.object({
  t: z.iso.datetime({ offset: true, error: 'expected an RFC 3339 time' }),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  n: z.number().int().optional(),
  vw: z.number().optional(),
});

/**
 * GET /v2/stocks/bars and /v1beta3/crypto/us/bars: bars keyed by symbol (a page may lack a symbol
 * whose bars are done, or hold `null`), and the token of the next page, null on the last.
 */
export const AlpacaBarsPageSchema = z.object({
  bars: z.record(z.string(), z.array(AlpacaBarSchema).nullable()).nullable(),
  next_page_token: z.string().nullable().optional(),
});
export type AlpacaBarsPage = z.infer<typeof AlpacaBarsPageSchema>;

/** The bars of `symbol` in a page → provider bars (RFC 3339 UTC → epoch ms). */
export function mapAlpacaBars(page: AlpacaBarsPage, symbol: string): ProviderBar[] {
  return (page.bars?.[symbol] ?? []).map((bar) => ({
    start: Date.parse(bar.t),
    open: bar.o,
    high: bar.h,
    low: bar.l,
    close: bar.c,
    volume: bar.v,
    trades: bar.n,
    vwap: bar.vw,
    notional: bar.vw === undefined ? undefined : bar.vw * bar.v,
  }));
}
