import { DAY_MS, EQUITY_TIME_ZONE, wallTime, type Timeframe } from '@tickline/core';
import { ProviderError } from '@tickline/providers';
import type { Adjustment, BarHistory, HistoryCapability, HistoryPage, HistoryRequest } from '../barHistory';
import { barSource } from '../barSource';
import { checkRange } from '../cursor';
import { fetchJson, type HistoryProviderOptions } from '../fetchJson';
import { toBars } from '../historyBars';
import { ALPHAVANTAGE_INTERVALS } from '../timeframeCodes';
import { checkAlphaVantageBody } from './alphaVantageNotes';
import { AlphaVantageSeriesSchema, mapAlphaVantageSeries } from './alphaVantageSeries';

export interface AlphaVantageHistoryOptions extends HistoryProviderOptions {
  /** Sent as `apikey=` in the query string (redacted from every error). */
  apiKey?: string;
  /** [Date.now] */
  now?: () => number;
}

// `outputsize=compact` holds the latest 100 trading days (about 140 calendar days); older needs `full`.
const COMPACT_REACH_MS = 140 * DAY_MS;

/**
 * Alpha Vantage TIME_SERIES_INTRADAY (a month per request: the cursor is the next `YYYY-MM`, New York
 * time) and TIME_SERIES_DAILY. Intraday is `raw` (adjusted=false) or `all` (adjusted=true, splits and
 * dividends); free daily is `raw`. Keys are New York wall times, converted explicitly to UTC.
 */
export class AlphaVantageHistory implements BarHistory {
  readonly name = 'alphavantage' as const;

  constructor(private readonly options: AlphaVantageHistoryOptions) {}

  supports(c: HistoryCapability): boolean {
    if (ALPHAVANTAGE_INTERVALS[c.timeframe] === undefined) return false;
    if (c.assetClass !== 'equity' && c.assetClass !== 'etf') return false;
    return c.adjustment === 'raw' || (c.adjustment === 'all' && c.timeframe !== '1d');
  }

  maxSpanMs(timeframe: Timeframe): number {
    return timeframe === '1d' ? 20 * 365 * DAY_MS : 31 * DAY_MS;
  }

  async fetchPage(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryPage> {
    checkRange(request, this.name);
    const adjustment: Adjustment = request.adjustment ?? 'raw';
    if (!this.supports({ ...request.instrument, timeframe: request.timeframe, adjustment })) {
      throw new ProviderError('INVALID_OPTIONS', `alphavantage: no ${adjustment} ${request.timeframe} bars`, {
        provider: this.name,
      });
    }
    const daily = request.timeframe === '1d';
    const month = daily ? undefined : (request.cursor ?? newYorkMonth(request.from));
    const params = new URLSearchParams({ symbol: request.instrument.symbol });
    if (daily) {
      const now = (this.options.now ?? Date.now)();
      params.set('function', 'TIME_SERIES_DAILY');
      params.set('outputsize', now - request.from > COMPACT_REACH_MS ? 'full' : 'compact');
    } else {
      params.set('function', 'TIME_SERIES_INTRADAY');
      params.set('interval', ALPHAVANTAGE_INTERVALS[request.timeframe] ?? request.timeframe);
      params.set('month', checkMonth(month!));
      params.set('outputsize', 'full');
      params.set('adjusted', String(adjustment === 'all'));
      params.set('extended_hours', 'true');
    }
    params.set('apikey', this.options.apiKey ?? 'demo');
    const series = await fetchJson(this.options, {
      provider: this.name,
      url: `${this.options.restUrl}/query?${params.toString()}`,
      weight: 1,
      schema: AlphaVantageSeriesSchema,
      secrets: [this.options.apiKey ?? ''],
      inspect: (body) => checkAlphaVantageBody(body, (this.options.now ?? Date.now)()),
      signal,
    });
    const source = barSource(this.name, adjustment);
    const { bars, rejected } = toBars(mapAlphaVantageSeries(series), { ...request, source });
    const following = month === undefined ? undefined : nextMonth(month);
    const next = following !== undefined && following <= newYorkMonth(request.to - 1) ? following : undefined;
    return { bars, rejected, next, provider: this.name, source };
  }
}

/** The New York calendar month (YYYY-MM) of an instant: Alpha Vantage's `month` is in its keys' zone. */
export function newYorkMonth(ts: number): string {
  const { year, month } = wallTime(EQUITY_TIME_ZONE, ts);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

export function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}

function checkMonth(month: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new ProviderError(
      'INVALID_OPTIONS',
      `alphavantage: cursor ${JSON.stringify(month)} is not a YYYY-MM month`,
      {
        provider: 'alphavantage',
      },
    );
  }
  return month;
}
