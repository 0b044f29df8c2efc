import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { type ProviderError } from '@tickline/providers';
import {
  BinanceHistory,
  BinanceKlinesSchema,
  BinanceRestMock,
  klineRow,
  mapBinanceKlines,
  type HistoryRequest,
} from '../src';
import { BTCUSDT } from './support/fixtures';
import { allPages, gate } from './support/gates';

const T0 = Date.UTC(2024, 0, 1);
const request = (minutes: number): HistoryRequest => ({
  instrument: BTCUSDT,
  timeframe: '1m',
  from: T0,
  to: T0 + minutes * 60000,
});

let ctx: RedisTestContext;
let mock: BinanceRestMock | undefined;
beforeEach(() => (ctx = redisTestContext('tlbinhist')));
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  await ctx.cleanup();
});

describe('BinanceHistory against the Binance mock', () => {
  it('pages through 2500 minutes in 1000-kline requests, bars equal to what the mock served', async () => {
    mock = await BinanceRestMock.start();
    const history = new BinanceHistory({ restUrl: mock.url, gate: gate('binance') });
    const pages = await allPages((cursor) => history.fetchPage({ ...request(2500), cursor }));
    expect(pages.map((p) => p.bars.length)).toEqual([1000, 1000, 500]);
    const bars = pages.flatMap((p) => p.bars);
    const served = mapBinanceKlines(
      BinanceKlinesSchema.parse(bars.map((b) => klineRow('BTCUSDT', '1m', b.start))),
    );
    expect(bars.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume, b.trades])).toEqual(
      served.map((s) => [s.start, s.open, s.high, s.low, s.close, s.volume, s.trades]),
    );
    expect(bars[0]!.start).toBe(T0);
    expect(bars.at(-1)!.start).toBe(T0 + 2499 * 60000);
    expect(new Set(bars.map((b) => b.source))).toEqual(new Set(['binance:raw']));
    expect(mock.stats.requests).toBe(3);
  });

  it('three workers sharing the Redis limit never draw a 429 from a weight-limited mock', async () => {
    mock = await BinanceRestMock.start({ weightLimit: 20, windowMs: 1000 });
    const rules = [{ limit: 20, windowMs: 1000, marginMs: 300 }]; // margin: arrival jitter vs the mock's aligned windows
    const workers = [0, 1, 2].map(
      () => new BinanceHistory({ restUrl: mock!.url, gate: gate('binance', { ...ctx, rules }) }),
    );
    await Promise.all(
      workers.flatMap((w) =>
        [0, 1, 2, 3, 4, 5].map((i) =>
          w.fetchPage({ ...request(10), from: T0 + i * 600000, to: T0 + (i + 1) * 600000 }),
        ),
      ),
    );
    expect(mock.stats.requests).toBe(18); // 36 weight: at least two windows
    expect(mock.limits).toMatchObject({ count429: 0, count418: 0 });
    expect(mock.limits.peakWeight).toBeLessThanOrEqual(20);
  });

  it('a 429 is RATE_LIMITED with Retry-After and pushes back every worker; ignoring it earns a 418 ban that opens the breaker', async () => {
    mock = await BinanceRestMock.start({ weightLimit: 4, windowMs: 60000, banMs: 5000 });
    const rules = [{ limit: 1000, windowMs: 60000 }]; // misconfigured: far above the venue's limit
    const g = gate('binance', { ...ctx, rules });
    const history = new BinanceHistory({ restUrl: mock.url, gate: g });
    await history.fetchPage(request(5));
    await history.fetchPage(request(5));
    const limited = (await history.fetchPage(request(5)).catch((e: unknown) => e)) as ProviderError;
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryable: true });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect((await g.limiter!.tryAcquire(2)).waitMs).toBeGreaterThan(0); // the shared budget is pushed back
    expect(g.status().rateLimitHits).toBe(1);
    // A client that ignores Retry-After (no limiter) gets banned; the gate trips on the 418.
    const reckless = gate('binance');
    const ignoring = new BinanceHistory({ restUrl: mock.url, gate: reckless });
    const banned = (await ignoring.fetchPage(request(5)).catch((e: unknown) => e)) as ProviderError;
    expect(banned).toMatchObject({ code: 'BANNED', status: 418, retryAfterMs: 5000 });
    expect(reckless.status().breaker).toBe('open');
    await expect(ignoring.fetchPage(request(5))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(mock.limits.count418).toBe(1); // the open breaker kept the next call off the venue
  });

  it('books weight the venue reports beyond what this limiter granted (X-MBX-USED-WEIGHT-1M)', async () => {
    mock = await BinanceRestMock.start();
    for (let i = 0; i < 5; i++) await fetch(`${mock.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`); // another user of the IP
    const g = gate('binance', { ...ctx, rules: [{ limit: 14, windowMs: 60000 }] });
    await new BinanceHistory({ restUrl: mock.url, gate: g }).fetchPage(request(1));
    // The venue reports 12 used (10 by the other user): 2 of the 14 are left, not 12.
    expect((await g.limiter!.tryAcquire(2)).waitMs).toBe(0);
    expect((await g.limiter!.tryAcquire(2)).waitMs).toBeGreaterThan(0);
  });

  it('a bad symbol is REQUEST_REJECTED, not retryable, and does not count against the provider', async () => {
    mock = await BinanceRestMock.start({ symbols: ['BTCUSDT'] });
    const g = gate('binance');
    const history = new BinanceHistory({ restUrl: mock.url, gate: g });
    for (let i = 0; i < 4; i++) {
      const error = (await history
        .fetchPage({ ...request(1), instrument: { ...BTCUSDT, symbol: 'NOPEUSDT' } })
        .catch((e: unknown) => e)) as ProviderError;
      expect(error).toMatchObject({ code: 'REQUEST_REJECTED', retryable: false });
      expect(error.message).toContain('Invalid symbol.');
    }
    expect(g.status().breaker).toBe('closed');
  });
});
