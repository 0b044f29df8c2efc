import { join } from 'node:path';
import { redisTestContext, redisUrl, spawnTs, type RedisTestContext } from '@tickline/testkit';
import { BinanceRestMock } from '../src';

let ctx: RedisTestContext;
let mock: BinanceRestMock;
beforeEach(async () => {
  ctx = redisTestContext('tlbinworkers');
  mock = await BinanceRestMock.start({ weightLimit: 20, windowMs: 1000 });
});
afterEach(async () => {
  await mock.close();
  await ctx.cleanup();
});

describe('Binance workers in separate processes', () => {
  it('three processes sharing the Redis limit stay within the mock weight limit (the mock counts)', async () => {
    const pages = 8;
    const workers = [0, 1, 2].map((i) =>
      spawnTs(
        join(__dirname, 'support', 'binanceWorker.ts'),
        [mock.url, ctx.prefix, '20', '1000', '300', String(pages), String(i)],
        {
          REDIS_URL: redisUrl(),
        },
      ),
    );
    const exits = await Promise.all(workers.map((w) => w.exited));
    for (const [i, w] of workers.entries()) {
      expect({ exit: exits[i], stderr: w.stderr() }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });
      expect(w.stdout()).toContain(`done ${pages * 10}`);
    }
    expect(mock.stats.requests).toBe(3 * pages); // 48 weight: at least three of the mock's windows
    expect(mock.limits).toMatchObject({ count429: 0, count418: 0 });
    expect(mock.limits.peakWeight).toBeLessThanOrEqual(20);
    process.stdout.write(
      `binance workers: ${mock.stats.requests} requests, peak weight ${mock.limits.peakWeight}/20 per window, 0 429s\n`,
    );
  }, 60000);
});
