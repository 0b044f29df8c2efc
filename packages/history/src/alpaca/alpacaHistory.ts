import { timeframeMs, type Timeframe } from '@tickline/core';
import type { HttpReply } from '@tickline/providers';
import type { BarHistory, HistoryCapability, HistoryPage, HistoryRequest } from '../barHistory';
import { barSource, effectiveAdjustment } from '../barSource';
import { checkRange } from '../cursor';
import { fetchJson, type HistoryProviderOptions } from '../fetchJson';
import { toBars } from '../historyBars';
import { ALPACA_TIMEFRAMES } from '../timeframeCodes';
import { AlpacaBarsPageSchema, mapAlpacaBars } from './alpacaBars';

export interface AlpacaHistoryOptions extends HistoryProviderOptions {
  /** APCA-API-KEY-ID; crypto works without keys (at a lower limit), stocks need them. */
  apiKey?: string;
  apiSecret?: string;
  /** Stock feed [iex]. */
  feed?: 'iex' | 'sip';
}

/** Bars per request (Alpaca's maximum). */
export const ALPACA_PAGE_LIMIT = 10000;
const ADJUSTABLE: ReadonlySet<string> = new Set(['equity', 'etf']);

/**
 * Alpaca stock bars (`/v2/stocks/bars`, adjustment raw/split/dividend/all) and crypto bars
 * (`/v1beta3/crypto/us/bars`). Pages are chained by `next_page_token`; source `alpaca:<adjustment>`.
 */
export class AlpacaHistory implements BarHistory {
  readonly name = 'alpaca' as const;

  constructor(private readonly options: AlpacaHistoryOptions) {}

  supports(c: HistoryCapability): boolean {
    if (ALPACA_TIMEFRAMES[c.timeframe] === undefined) return false;
    if (c.assetClass === 'crypto') return true;
    return ADJUSTABLE.has(c.assetClass);
  }

  maxSpanMs(timeframe: Timeframe): number {
    return ALPACA_PAGE_LIMIT * (timeframe === '1M' ? 31 * 86_400_000 : timeframeMs(timeframe));
  }

  async fetchPage(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryPage> {
    checkRange(request, this.name);
    const crypto = request.instrument.assetClass === 'crypto';
    const symbol = crypto ? alpacaCryptoSymbol(request.instrument.symbol) : request.instrument.symbol;
    const adjustment = effectiveAdjustment(request.instrument.assetClass, request.adjustment);
    const params = new URLSearchParams({
      symbols: symbol,
      timeframe: ALPACA_TIMEFRAMES[request.timeframe] ?? request.timeframe,
      start: new Date(request.from).toISOString(),
      end: new Date(request.to - 1).toISOString(), // Alpaca's end is inclusive
      limit: String(ALPACA_PAGE_LIMIT),
      sort: 'asc',
    });
    if (!crypto) {
      params.set('adjustment', adjustment);
      params.set('feed', this.options.feed ?? 'iex');
    }
    if (request.cursor !== undefined) params.set('page_token', request.cursor);
    const path = crypto ? '/v1beta3/crypto/us/bars' : '/v2/stocks/bars';
    const page = await fetchJson(this.options, {
      provider: this.name,
      url: `${this.options.restUrl}${path}?${params.toString()}`,
      weight: 1,
      schema: AlpacaBarsPageSchema,
      headers: this.authHeaders(),
      secrets: [this.options.apiKey ?? '', this.options.apiSecret ?? ''],
      onReply: (reply) => this.observeUsage(reply),
      signal,
    });
    const source = barSource(this.name, adjustment);
    const { bars, rejected } = toBars(mapAlpacaBars(page, symbol), { ...request, source });
    return { bars, rejected, next: page.next_page_token ?? undefined, provider: this.name, source };
  }

  private authHeaders(): Record<string, string> {
    const { apiKey, apiSecret } = this.options;
    if (!apiKey || !apiSecret) return {};
    return { 'APCA-API-KEY-ID': apiKey, 'APCA-API-SECRET-KEY': apiSecret };
  }

  // X-RateLimit-Limit/-Remaining are per minute: what is spent there is spent for every process.
  private async observeUsage(reply: HttpReply): Promise<void> {
    const limit = Number(reply.headers.get('x-ratelimit-limit'));
    const remaining = Number(reply.headers.get('x-ratelimit-remaining'));
    if (reply.headers.has('x-ratelimit-remaining') && Number.isFinite(limit) && Number.isFinite(remaining)) {
      await this.options.gate.limiter?.observeUsage(limit - remaining, 60000);
    }
  }
}

const QUOTES = ['USDT', 'USDC', 'USD', 'BTC', 'ETH', 'EUR'];

/** Alpaca spells crypto pairs with a slash: BTCUSDT (Binance style) → BTC/USDT; BTC/USD stays. */
export function alpacaCryptoSymbol(symbol: string): string {
  if (symbol.includes('/')) return symbol;
  const quote = QUOTES.find((q) => symbol.endsWith(q) && symbol.length > q.length);
  return quote ? `${symbol.slice(0, -quote.length)}/${quote}` : symbol;
}
