import { isTimeframe, nextBoundary, timeframeMs, type Timeframe } from '@tickline/core';
import { BINANCE_INTERVALS } from '../timeframeCodes';
import {
  FixedWindowCounter,
  json,
  MockRestServer,
  SlidingWindowCounter,
  type MockReply,
} from './mockRestServer';
import { syntheticBar, syntheticStarts } from './syntheticBars';

/** Every field has a default, given in brackets. */
export interface BinanceRestMockOptions {
  /** [0: any free port] */
  port?: number;
  /** Request weight allowed per window, per IP [6000]. */
  weightLimit?: number;
  /** The weight window, ms [60000: Binance's 1 minute]. */
  windowMs?: number;
  /**
   * How the window counts: `fixed`, aligned to multiples of `windowMs` as Binance does, or `sliding`,
   * every interval of that length (what a stricter venue might do) [fixed].
   */
  windows?: 'fixed' | 'sliding';
  /** The first ban after an ignored 429, ms; each later ban doubles [120000: Binance's shortest]. */
  banMs?: number;
  /** Symbols that exist; others get -1121 [any upper-case symbol]. */
  symbols?: readonly string[];
  /** Klines exist up to this time [Date.now]. */
  now?: () => number;
}

/** What the mock counted about limits. */
export interface BinanceLimitStats {
  /** The most weight used within one window (as the mock counts: fixed or sliding). */
  peakWeight: number;
  count429: number;
  count418: number;
}

const KLINES_WEIGHT = 2;
const INTERVALS = new Map(Object.entries(BINANCE_INTERVALS).map(([tf, code]) => [code, tf as Timeframe]));
const error = (status: number, code: number, msg: string, headers?: Record<string, string>) =>
  json(status, { code, msg }, headers);

/**
 * Binance spot REST as far as history needs it: GET /api/v3/klines with deterministic synthetic
 * klines, request weight per IP in fixed windows with X-MBX-USED-WEIGHT-1M on every reply, 429 with
 * Retry-After past the limit, and a 418 ban (Retry-After, escalating) for a client that ignores it.
 */
export class BinanceRestMock extends MockRestServer {
  readonly limits: BinanceLimitStats = { peakWeight: 0, count429: 0, count418: 0 };
  /** When each request that was counted arrived (Date.now), for checks in windows of any alignment. */
  readonly counted: number[] = [];
  private readonly weight: FixedWindowCounter | SlidingWindowCounter;
  private readonly weightLimit: number;
  private readonly now: () => number;
  private retryAfterUntil = 0;
  private bannedUntil = 0;
  private nextBanMs: number;
  private readonly intervalName: string;

  private constructor(private readonly options: BinanceRestMockOptions) {
    super({ '/api/v3/klines': (url) => this.limited(url) });
    const Counter = options.windows === 'sliding' ? SlidingWindowCounter : FixedWindowCounter;
    this.weight = new Counter(options.windowMs ?? 60000);
    this.weightLimit = options.weightLimit ?? 6000;
    this.now = options.now ?? Date.now;
    this.nextBanMs = options.banMs ?? 120000;
    this.intervalName = intervalName(options.windowMs ?? 60000);
  }

  static async start(options: BinanceRestMockOptions = {}): Promise<BinanceRestMock> {
    const mock = new BinanceRestMock(options);
    await mock.listen(options.port);
    return mock;
  }

  private limited(url: URL): MockReply {
    const now = Date.now();
    if (now < this.bannedUntil) return this.ban(now, false);
    if (now < this.retryAfterUntil) return this.ban(now, true);
    const used = this.weight.current(now);
    if (used + KLINES_WEIGHT > this.weightLimit) {
      this.limits.count429++;
      this.retryAfterUntil = this.weight.resetAt(now);
      const headers = {
        ...this.usedHeader(used),
        'retry-after': String(Math.ceil((this.retryAfterUntil - now) / 1000)),
      };
      return error(
        429,
        -1003,
        `Too many requests; current limit of IP(127.0.0.1) request weight per 1 MINUTE is ${this.weightLimit}.`,
        headers,
      );
    }
    this.limits.peakWeight = Math.max(this.limits.peakWeight, this.weight.add(now, KLINES_WEIGHT));
    this.counted.push(now);
    const reply = this.klines(url);
    reply.headers = { ...reply.headers, ...this.usedHeader(this.weight.current(now)) };
    return reply;
  }

  // A request inside Retry-After (or during a ban) earns a ban, twice as long as the previous one.
  private ban(now: number, fresh: boolean): MockReply {
    this.limits.count418++;
    if (fresh) {
      this.bannedUntil = now + this.nextBanMs;
      this.nextBanMs *= 2;
    }
    const seconds = String(Math.ceil((this.bannedUntil - now) / 1000));
    return error(418, -1003, `Way too many requests; IP(127.0.0.1) banned until ${this.bannedUntil}.`, {
      'retry-after': seconds,
    });
  }

  // Named by the window as Binance does (X-MBX-USED-WEIGHT-1M for its minute; -3S for a 3 s window).
  private usedHeader(used: number): Record<string, string> {
    return { [`x-mbx-used-weight-${this.intervalName}`]: String(used), 'x-mbx-used-weight': String(used) };
  }

  private klines(url: URL): MockReply {
    const p = url.searchParams;
    const symbol = p.get('symbol');
    if (!symbol)
      return error(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    if (
      !/^[A-Z0-9]{2,20}$/.test(symbol) ||
      (this.options.symbols && !this.options.symbols.includes(symbol))
    ) {
      return error(400, -1121, 'Invalid symbol.');
    }
    const timeframe = INTERVALS.get(p.get('interval') ?? '');
    if (timeframe === undefined || !isTimeframe(timeframe)) return error(400, -1120, 'Invalid interval.');
    const limit = Number(p.get('limit') ?? 500);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return error(400, -1130, "Invalid data sent for a parameter: 'limit'.");
    const end = Math.min(Number(p.get('endTime') ?? Infinity), this.now());
    const span = limit * (timeframe === '1M' ? 31 * 86_400_000 : timeframeMs(timeframe));
    const start = p.has('startTime') ? Number(p.get('startTime')) : end - span;
    const starts = syntheticStarts(timeframe, start, Math.min(end + 1, start + span), '24/7').slice(0, limit);
    return json(
      200,
      starts.map((t) => klineRow(symbol, timeframe, t)),
    );
  }
}

/** Binance's interval spelling of a window: 60000 → `1m`, 3000 → `3s` (whole seconds or more). */
function intervalName(windowMs: number): string {
  for (const [unit, ms] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60000],
    ['s', 1000],
  ] as const) {
    if (windowMs % ms === 0) return `${windowMs / ms}${unit}`;
  }
  throw new Error(`Binance mock: windowMs must be whole seconds, got ${windowMs}`);
}

/** The kline row the mock serves for (symbol, timeframe, open time): tests recompute it to compare. */
export function klineRow(symbol: string, timeframe: Timeframe, start: number): (string | number)[] {
  const bar = syntheticBar(symbol, timeframe, start);
  const close = (timeframe === '1M' ? nextBoundary('1M', start) : start + timeframeMs(timeframe)) - 1;
  const f = (n: number) => n.toFixed(8);
  return [
    start,
    f(bar.open),
    f(bar.high),
    f(bar.low),
    f(bar.close),
    f(bar.volume),
    close,
    f(bar.vwap * bar.volume),
    bar.trades,
    f(bar.volume / 2),
    f((bar.vwap * bar.volume) / 2),
    '0',
  ];
}
