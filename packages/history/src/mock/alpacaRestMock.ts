import type { IncomingMessage } from 'node:http';
import { EQUITY_TIME_ZONE, equitySessionDay, zonedWallTimeToUtc, type Timeframe } from '@tickline/core';
import { ALPACA_TIMEFRAMES } from '../timeframeCodes';
import { FixedWindowCounter, json, MockRestServer, type MockReply } from './mockRestServer';
import { syntheticBar, syntheticStarts, type MarketHours } from './syntheticBars';

/** Every field has a default, given in brackets. */
export interface AlpacaRestMockOptions {
  port?: number;
  /** Requests allowed per window [200: the free plan's per minute]. */
  requestsPerWindow?: number;
  /** [60000] */
  windowMs?: number;
  /** Stock requests must carry these APCA headers [any non-empty pair]. */
  apiKey?: string;
  apiSecret?: string;
  /** Bars per page at most, below the client's `limit` (to exercise page tokens) [the limit]. */
  pageSize?: number;
  /** Bars exist up to this time [Date.now]. */
  now?: () => number;
}

const TIMEFRAMES = new Map(Object.entries(ALPACA_TIMEFRAMES).map(([tf, code]) => [code, tf as Timeframe]));

/**
 * Alpaca market data REST for bars: GET /v2/stocks/bars (auth headers required) and
 * /v1beta3/crypto/us/bars (no auth), deterministic synthetic bars keyed by symbol, pages chained by
 * next_page_token, X-RateLimit-* headers on every reply and 429 past the per-minute limit.
 */
export class AlpacaRestMock extends MockRestServer {
  rateLimited = 0;
  private readonly counter: FixedWindowCounter;
  private readonly now: () => number;

  private constructor(private readonly options: AlpacaRestMockOptions) {
    super({
      '/v2/stocks/bars': (url, req) => this.limited(url, req, 'us-equity'),
      '/v1beta3/crypto/us/bars': (url, req) => this.limited(url, req, '24/7'),
    });
    this.counter = new FixedWindowCounter(options.windowMs ?? 60000);
    this.now = options.now ?? Date.now;
  }

  static async start(options: AlpacaRestMockOptions = {}): Promise<AlpacaRestMock> {
    const mock = new AlpacaRestMock(options);
    await mock.listen(options.port);
    return mock;
  }

  private limited(url: URL, req: IncomingMessage, hours: MarketHours): MockReply {
    const now = Date.now();
    const limit = this.options.requestsPerWindow ?? 200;
    const used = this.counter.add(now, 1);
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-reset': String(Math.ceil(this.counter.resetAt(now) / 1000)),
    };
    if (used > limit) {
      this.rateLimited++;
      return json(429, { message: 'rate limit exceeded' }, headers);
    }
    if (hours === 'us-equity' && !this.authorized(req))
      return json(401, { message: 'unauthorized.' }, headers);
    const reply = this.bars(url, hours);
    reply.headers = { ...reply.headers, ...headers };
    return reply;
  }

  private authorized(req: IncomingMessage): boolean {
    const key = req.headers['apca-api-key-id'];
    const secret = req.headers['apca-api-secret-key'];
    if (typeof key !== 'string' || typeof secret !== 'string' || key === '' || secret === '') return false;
    return (this.options.apiKey ?? key) === key && (this.options.apiSecret ?? secret) === secret;
  }

  private bars(url: URL, hours: MarketHours): MockReply {
    const p = url.searchParams;
    const timeframe = TIMEFRAMES.get(p.get('timeframe') ?? '');
    if (timeframe === undefined) return json(400, { code: 40010001, message: 'invalid timeframe' });
    const limit = Number(p.get('limit') ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
      return json(400, { code: 40010001, message: 'invalid limit' });
    const symbols = (p.get('symbols') ?? '').split(',').filter(Boolean).sort();
    if (symbols.length === 0) return json(400, { code: 40010001, message: 'missing symbols' });
    let start = Date.parse(p.get('start') ?? '');
    const end = Math.min(Date.parse(p.get('end') ?? '') || Infinity, this.now());
    if (Number.isNaN(start)) return json(400, { code: 40010001, message: 'invalid start' });
    let first = 0;
    const token = p.get('page_token');
    if (token) {
      const [symbol, , iso] = Buffer.from(token, 'base64').toString('utf8').split('|');
      first = Math.max(0, symbols.indexOf(symbol ?? ''));
      start = Date.parse(iso ?? '');
    }
    const room = Math.min(limit, this.options.pageSize ?? limit);
    const page: Record<string, unknown[]> = {};
    let count = 0;
    for (const symbol of symbols.slice(first)) {
      const labels = barLabels(timeframe, start, end, hours);
      const taken = labels.slice(0, room - count);
      if (taken.length > 0)
        page[symbol] = taken.map(([label, key]) => alpacaBar(symbol, timeframe, key, label));
      count += taken.length;
      if (taken.length < labels.length) {
        const nextToken = Buffer.from(
          `${symbol}|${timeframe}|${new Date(labels[taken.length]![0]).toISOString()}`,
        ).toString('base64');
        return json(200, { bars: page, next_page_token: nextToken });
      }
      start = Date.parse(p.get('start') ?? '');
    }
    return json(200, { bars: page, next_page_token: null });
  }
}

/** [label, key] of each bar in [start, end]: a stock day is labelled by midnight New York, keyed by its session open. */
function barLabels(timeframe: Timeframe, start: number, end: number, hours: MarketHours): [number, number][] {
  if (hours === 'us-equity' && timeframe === '1d') {
    return syntheticStarts('1d', start - 86_400_000, end + 86_400_000, hours)
      .map((open): [number, number] => [newYorkMidnight(open), open])
      .filter(([label]) => label >= start && label <= end);
  }
  return syntheticStarts(timeframe, start, end + 1, hours).map((t) => [t, t]);
}

function newYorkMidnight(ts: number): number {
  const [year, month, day] = equitySessionDay(ts).split('-').map(Number) as [number, number, number];
  return zonedWallTimeToUtc(EQUITY_TIME_ZONE, { year, month, day, hour: 0, minute: 0, second: 0 });
}

function alpacaBar(symbol: string, timeframe: Timeframe, key: number, label: number) {
  const b = syntheticBar(symbol, timeframe, key);
  return {
    t: new Date(label).toISOString().replace('.000Z', 'Z'),
    o: b.open,
    h: b.high,
    l: b.low,
    c: b.close,
    v: b.volume,
    n: b.trades,
    vw: b.vwap,
  };
}
