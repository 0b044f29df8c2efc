import type { Timeframe } from '@tickline/core';
import { YAHOO_INTERVALS } from '../timeframeCodes';
import { FixedWindowCounter, json, MockRestServer, type MockReply } from './mockRestServer';
import { syntheticBar, syntheticStarts } from './syntheticBars';

/** Every field has a default, given in brackets. */
export interface YahooRestMockOptions {
  port?: number;
  /** Requests per window before plain-text 429s (Yahoo publishes no quota) [60]. */
  requestsPerWindow?: number;
  /** [60000] */
  windowMs?: number;
  /** Symbols answered with 404 "No data found, symbol may be delisted" [none]. */
  unknownSymbols?: readonly string[];
  /** Bars exist up to this time [Date.now]. */
  now?: () => number;
}

const INTERVALS = new Map(Object.entries(YAHOO_INTERVALS).map(([tf, code]) => [code, tf as Timeframe]));
const DAY_S = 86400;
// Yahoo's adjclose for the mock: dividends took 2% off every earlier close.
export const YAHOO_MOCK_DIVIDEND_FACTOR = 0.98;

const chartError = (status: number, code: string, description: string) =>
  json(status, { chart: { result: null, error: { code, description } } });

/**
 * Yahoo's v8 chart: GET /v8/finance/chart/{symbol}?interval&period1&period2, parallel arrays with
 * adjclose for daily bars, 404/422 error envelopes, plain-text 429 when throttled, and on demand
 * empty results (meta only, no timestamps) as Yahoo sometimes sends for ranges that have data.
 */
export class YahooRestMock extends MockRestServer {
  rateLimited = 0;
  private emptyLeft = 0;
  private readonly counter: FixedWindowCounter;
  private readonly now: () => number;

  private constructor(private readonly options: YahooRestMockOptions) {
    super({ '/v8/finance/chart/': (url) => this.limited(url) });
    this.counter = new FixedWindowCounter(options.windowMs ?? 60000);
    this.now = options.now ?? Date.now;
  }

  static async start(options: YahooRestMockOptions = {}): Promise<YahooRestMock> {
    const mock = new YahooRestMock(options);
    await mock.listen(options.port);
    return mock;
  }

  /** The next `count` charts come back empty (meta only). */
  emptyNext(count: number): void {
    this.emptyLeft = count;
  }

  private limited(url: URL): MockReply {
    if (this.counter.add(Date.now(), 1) > (this.options.requestsPerWindow ?? 60)) {
      this.rateLimited++;
      return { status: 429, body: 'Too Many Requests', headers: { 'content-type': 'text/plain' } };
    }
    return this.chart(url);
  }

  private chart(url: URL): MockReply {
    const symbol = decodeURIComponent(url.pathname.slice('/v8/finance/chart/'.length));
    if (this.options.unknownSymbols?.includes(symbol)) {
      return chartError(404, 'Not Found', 'No data found, symbol may be delisted');
    }
    const p = url.searchParams;
    const interval = p.get('interval') ?? '1d';
    const timeframe = INTERVALS.get(interval);
    if (timeframe === undefined)
      return chartError(400, 'Bad Request', `Invalid input - interval=${interval} is not supported.`);
    const period1 = Number(p.get('period1'));
    const period2 = Math.min(Number(p.get('period2')), Math.floor(this.now() / 1000));
    if (!Number.isFinite(period1) || !Number.isFinite(period2))
      return chartError(400, 'Bad Request', 'period1 and period2 are required');
    if (timeframe === '1m' && period2 - period1 > 8 * DAY_S) {
      return chartError(
        422,
        'Unprocessable Entity',
        `1m data not available for startTime=${period1} and endTime=${period2}. Only 8 days worth of 1m granularity data are allowed to be fetched per request.`,
      );
    }
    const crypto = /-(USD|USDT|EUR)$/.test(symbol);
    const meta = {
      symbol,
      currency: 'USD',
      exchangeTimezoneName: crypto ? 'UTC' : 'America/New_York',
      dataGranularity: interval,
    };
    const starts =
      this.emptyLeft > 0
        ? []
        : syntheticStarts(timeframe, period1 * 1000, period2 * 1000, crypto ? '24/7' : 'us-equity');
    if (this.emptyLeft > 0) this.emptyLeft--;
    if (starts.length === 0)
      return json(200, { chart: { result: [{ meta, indicators: { quote: [{}] } }], error: null } });
    const bars = starts.map((t) => syntheticBar(symbol, timeframe, t));
    const quote = {
      open: bars.map((b) => b.open),
      high: bars.map((b) => b.high),
      low: bars.map((b) => b.low),
      close: bars.map((b) => b.close),
      volume: bars.map((b) => b.volume),
    };
    const indicators: Record<string, unknown> = { quote: [quote] };
    if (timeframe === '1d')
      indicators['adjclose'] = [{ adjclose: bars.map((b) => b.close * YAHOO_MOCK_DIVIDEND_FACTOR) }];
    return json(200, {
      chart: { result: [{ meta, timestamp: starts.map((t) => t / 1000), indicators }], error: null },
    });
  }
}
