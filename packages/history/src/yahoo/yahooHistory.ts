import { DAY_MS, type Timeframe } from '@tickline/core';
import { ProviderError } from '@tickline/providers';
import type { Adjustment, BarHistory, HistoryCapability, HistoryPage, HistoryRequest } from '../barHistory';
import { barSource } from '../barSource';
import { readCursor } from '../cursor';
import { fetchJson, type HistoryProviderOptions } from '../fetchJson';
import { toBars } from '../historyBars';
import { YAHOO_INTERVALS } from '../timeframeCodes';
import { mapYahooChart, YahooChartSchema, type YahooChart } from './yahooChart';

// Yahoo refuses (422) 1m requests over 8 days and intraday ones over 60; stay inside.
const SPAN: Partial<Record<Timeframe, number>> = { '1m': 7 * DAY_MS, '1d': 3650 * DAY_MS };
const INTRADAY_SPAN = 59 * DAY_MS;
const NO_ADJUSTMENT = new Set(['crypto', 'fx', 'future']);

/**
 * Yahoo chart (unofficial, no key). Equity prices are split-adjusted as Yahoo sends them
 * (`yahoo:split`), or split and dividend adjusted from adjclose for daily bars (`yahoo:all`); raw
 * prices are not available. Crypto, FX and futures are `yahoo:raw`.
 */
export class YahooHistory implements BarHistory {
  readonly name = 'yahoo' as const;

  constructor(private readonly options: HistoryProviderOptions) {}

  supports(c: HistoryCapability): boolean {
    if (YAHOO_INTERVALS[c.timeframe] === undefined || c.assetClass === 'unknown') return false;
    return yahooAdjustment(c.assetClass, c.adjustment, c.timeframe) !== undefined;
  }

  maxSpanMs(timeframe: Timeframe): number {
    return SPAN[timeframe] ?? INTRADAY_SPAN;
  }

  async fetchPage(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryPage> {
    const start = readCursor(request, this.name);
    const { assetClass } = request.instrument;
    const adjustment = yahooAdjustment(assetClass, request.adjustment ?? 'raw', request.timeframe);
    if (adjustment === undefined) {
      throw new ProviderError(
        'INVALID_OPTIONS',
        `yahoo: no ${request.adjustment ?? 'raw'} ${request.timeframe} bars for ${assetClass}`,
        { provider: this.name },
      );
    }
    const end = Math.min(request.to, start + this.maxSpanMs(request.timeframe));
    const params = new URLSearchParams({
      interval: YAHOO_INTERVALS[request.timeframe] ?? request.timeframe,
      period1: String(Math.floor(start / 1000)),
      period2: String(Math.ceil(end / 1000)),
      includePrePost: 'true',
      events: 'div|split',
    });
    const symbol = encodeURIComponent(yahooSymbol(request.instrument.symbol));
    const chart = await fetchJson(this.options, {
      provider: this.name,
      url: `${this.options.restUrl}/v8/finance/chart/${symbol}?${params.toString()}`,
      weight: 1,
      schema: YahooChartSchema,
      inspect: (body) => chartError(body as YahooChart),
      signal,
    });
    const source = barSource(this.name, adjustment);
    const rows = mapYahooChart(chart, adjustment === 'all');
    const { bars, rejected } = toBars(rows.bars, { ...request, from: start, to: end, source });
    const nulls = rows.empty.map((index) => ({
      index,
      reason: 'yahoo sent no prices (null) for this interval',
    }));
    return {
      bars,
      rejected: [...rejected, ...nulls],
      next: end < request.to ? String(end) : undefined,
      provider: this.name,
      source,
    };
  }
}

function yahooAdjustment(
  assetClass: string,
  asked: Adjustment,
  timeframe: Timeframe,
): Adjustment | undefined {
  if (NO_ADJUSTMENT.has(assetClass)) return 'raw';
  if (asked === 'split') return 'split';
  if (asked === 'all' && timeframe === '1d') return 'all';
  return undefined;
}

function chartError(body: YahooChart): void {
  const error = body?.chart?.error;
  if (error) {
    throw new ProviderError('REQUEST_REJECTED', `yahoo: ${error.code}: ${error.description}`, {
      provider: 'yahoo',
    });
  }
}

/** Yahoo spells share classes and pairs with a dash: BRK.B → BRK-B, BTC/USD → BTC-USD. */
export function yahooSymbol(symbol: string): string {
  return symbol.replace(/[./]/g, '-');
}
