import { nextBoundary, timeframeMs, type Timeframe } from '@tickline/core';
import type { UsageReport } from '@tickline/providers';
import type { BarHistory, HistoryCapability, HistoryPage, HistoryRequest } from '../barHistory';
import { barSource } from '../barSource';
import { fetchJson, type HistoryProviderOptions } from '../fetchJson';
import { toBars } from '../historyBars';
import { readCursor } from '../cursor';
import { BINANCE_INTERVALS } from '../timeframeCodes';
import { BinanceKlinesSchema, mapBinanceKlines } from './binanceKlines';

/** GET /api/v3/klines: weight 2 (since 2023-08-25), at most 1000 rows. */
export const KLINES_WEIGHT = 2;
export const KLINES_LIMIT = 1000;
/** X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter): the weight the IP used in that interval. */
const USED_WEIGHT_HEADER = /^x-mbx-used-weight-(\d+)([smhd])$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60000, h: 3_600_000, d: 86_400_000 };

/** Binance spot klines. Crypto only, raw prices; bar source `binance:raw`. */
export class BinanceHistory implements BarHistory {
  readonly name = 'binance' as const;

  constructor(private readonly options: HistoryProviderOptions) {}

  supports(c: HistoryCapability): boolean {
    return c.assetClass === 'crypto' && BINANCE_INTERVALS[c.timeframe] !== undefined;
  }

  maxSpanMs(timeframe: Timeframe): number {
    return KLINES_LIMIT * (timeframe === '1M' ? 31 * 86_400_000 : timeframeMs(timeframe));
  }

  async fetchPage(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryPage> {
    const start = readCursor(request, this.name);
    const params = new URLSearchParams({
      symbol: binanceSymbol(request.instrument.symbol),
      interval: BINANCE_INTERVALS[request.timeframe] ?? request.timeframe,
      startTime: String(start),
      endTime: String(request.to - 1),
      limit: String(KLINES_LIMIT),
    });
    const rows = await fetchJson(this.options, {
      provider: this.name,
      url: `${this.options.restUrl}/api/v3/klines?${params.toString()}`,
      weight: KLINES_WEIGHT,
      schema: BinanceKlinesSchema,
      // Binance counts weight per IP, so what it reports includes what others on the IP spent.
      usage: (reply) => usedWeights(reply.headers),
      signal,
    });
    const source = barSource(this.name, 'raw');
    const { bars, rejected } = toBars(mapBinanceKlines(rows), { ...request, source });
    const last = rows.at(-1)?.[0];
    const following = last === undefined ? undefined : nextStart(request.timeframe, last);
    const next =
      rows.length === KLINES_LIMIT && following !== undefined && following < request.to
        ? String(following)
        : undefined;
    return { bars, rejected, next, provider: this.name, source };
  }
}

/** The X-MBX-USED-WEIGHT-<interval> headers of a reply, each with its interval in ms. */
export function usedWeights(headers: Headers): UsageReport[] {
  const found: UsageReport[] = [];
  headers.forEach((value, name) => {
    const match = USED_WEIGHT_HEADER.exec(name);
    const used = Number(value);
    if (match && Number.isFinite(used)) {
      found.push({ used, windowMs: Number(match[1]) * UNIT_MS[match[2]!.toLowerCase()]! });
    }
  });
  return found;
}

function nextStart(timeframe: Timeframe, start: number): number {
  return timeframe === '1M' ? nextBoundary('1M', start) : start + timeframeMs(timeframe);
}

/** Binance spells pairs without a separator: BTC/USDT (Alpaca style) → BTCUSDT. */
export function binanceSymbol(symbol: string): string {
  return symbol.replace('/', '');
}
