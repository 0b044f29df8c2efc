import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderGate, RedisRateLimiter } from '@tickline/providers';
import { redisTestContext, testRedisClient, type RedisTestContext } from '@tickline/testkit';
import { BinanceHistory, BinanceRestMock, KLINES_WEIGHT } from '../src';
import { BTCUSDT } from './support/fixtures';

const T0 = Date.UTC(2024, 0, 1);
const LIMIT = 20;
const WINDOW = 1000;

let ctx: RedisTestContext;
let mock: BinanceRestMock | undefined;
beforeEach(() => (ctx = redisTestContext('tlbinlimit')));
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  await ctx.cleanup();
});

/** The most weight counted in any interval [t, t + window) of the mock's clock: any alignment, fixed or sliding. */
function slidingPeak(arrivals: readonly number[], window: number, weight: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  sorted.forEach((at, i) => {
    while (sorted[first]! <= at - window) first++;
    peak = Math.max(peak, (i - first + 1) * weight);
  });
  return peak;
}

describe.each(['fixed', 'sliding'] as const)(
  'the shared Binance limit against a mock counting in %s windows',
  (windows) => {
    it('many workers on separate Redis connections, slow between grant and send, never draw a 429', async () => {
      mock = await BinanceRestMock.start({ weightLimit: LIMIT, windowMs: WINDOW, windows });
      const url = mock.url;
      // Up to 250 ms between the grant and the request reaching the mock (a busy event loop, a slow
      // network): far more than any margin (none here), so only booking grants until the reply keeps
      // the mock's count within its limit.
      const slowFetch: typeof fetch = async (input, init) => {
        await sleep(Math.floor(Math.random() * 250));
        return fetch(input, init);
      };
      const clients = Array.from({ length: 6 }, () => testRedisClient());
      try {
        const deadline = Date.now() + 3000;
        const workers = clients.map(async (redis, w) => {
          const gate = new ProviderGate({
            provider: 'binance',
            limiter: new RedisRateLimiter({
              redis,
              prefix: ctx.prefix,
              provider: 'binance',
              rules: [{ limit: LIMIT, windowMs: WINDOW }],
            }),
          });
          const history = new BinanceHistory({ restUrl: url, gate, fetch: slowFetch });
          for (let i = 0; Date.now() < deadline; i++) {
            const from = T0 + (w * 1000 + i) * 60000;
            await history.fetchPage({ instrument: BTCUSDT, timeframe: '1m', from, to: from + 60000 });
          }
        });
        await Promise.all(workers);
      } finally {
        for (const client of clients) client.disconnect();
      }
      const counted = mock.counted.length;
      // The limit was the bottleneck: unlimited, 6 workers would send about 48 requests a second.
      expect(counted).toBeGreaterThan((2 * LIMIT) / KLINES_WEIGHT);
      expect(counted).toBeLessThan(80);
      expect(mock.limits.count429).toBe(0);
      expect(mock.limits.count418).toBe(0);
      expect(mock.limits.peakWeight).toBeLessThanOrEqual(LIMIT); // as the mock counts
      if (windows === 'sliding')
        expect(slidingPeak(mock.counted, WINDOW, KLINES_WEIGHT)).toBeLessThanOrEqual(LIMIT);
      else expect(mock.limits.peakWeight).toBe(LIMIT); // the limit was reached
    }, 20000);
  },
);
