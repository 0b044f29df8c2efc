import { join } from 'node:path';
import { createHistory, BinanceRestMock } from '@tickline/history';
import {
  redisTestContext,
  redisUrl,
  spawnTs,
  waitFor,
  type RedisTestContext,
  type TsChild,
} from '@tickline/testkit';
import { BackfillQueues, bullConnection, enqueueBackfill } from '@tickline/backfill-service';
import {
  configFile,
  DAY,
  ohlcvOf,
  servedBars,
  streamBars,
  T0,
  testConfig,
  testEnv,
} from '../../services/backfill/test/support/backfillHarness';

// Acceptance: three backfill worker processes share one Redis rate limit and together stay within the
// Binance mock's weight limit (the mock counts), with every bar delivered.
const WORKER = join(__dirname, 'support', 'backfillWorker.ts');
const settings = { limits: { binance: [{ limit: 10, windowMs: 1000, marginMs: 300 }] }, concurrency: 3 };
let ctx: RedisTestContext;
let mock: BinanceRestMock;
let file: ReturnType<typeof configFile>;
const children: TsChild[] = [];

beforeAll(async () => {
  ctx = redisTestContext('tlbfworkers');
  mock = await BinanceRestMock.start({ weightLimit: 10, windowMs: 1000 });
  file = configFile({ backfill: settings });
});
afterAll(async () => {
  for (const child of children) child.child.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  await mock.close();
  await ctx.cleanup();
  file.remove();
});

test('three worker processes together stay within the mock weight limit, zero 429s, every bar once', async () => {
  const env = { TICKLINE_PREFIX: ctx.prefix, TICKLINE_BINANCE_REST_URL: mock.url, REDIS_URL: redisUrl() };
  const config = testConfig(env, { backfill: settings });
  const queues = new BackfillQueues(bullConnection(config, 'test'), ctx.prefix);
  try {
    for (let i = 0; i < 3; i++)
      children.push(spawnTs(WORKER, [], testEnv({ ...env, TICKLINE_CONFIG: file.path })));
    await Promise.all(children.map((child) => child.waitForStdout(/ready/, 30000)));
    const { router } = createHistory(config, { redis: ctx.redis, prefix: ctx.prefix });
    const ids: string[] = [];
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']) {
      const request = { venue: 'binance', symbol, timeframe: '1m', from: T0, to: T0 + 3 * DAY };
      ids.push((await enqueueBackfill(queues, router, config.backfill, request)).id);
    }
    await waitFor(async () => (await queues.requests.getCompletedCount()) === ids.length, {
      timeoutMs: 60000,
      what: 'three requests completed',
    });
    // Every process took part: each chunk job records the worker that ran it.
    const workers = new Set((await queues.chunks.getJobs(['completed'])).map((job) => job.processedBy));
    expect(workers.size).toBe(3);
    expect(mock.stats.requests).toBe(3 * 5); // 4320 bars per symbol: five requests of up to 1000
    expect(mock.limits).toMatchObject({ count429: 0, count418: 0 });
    expect(mock.limits.peakWeight).toBeLessThanOrEqual(10);
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']) {
      const bars = (await streamBars(ctx.redis, ctx.prefix, symbol, '1m')).sort((a, b) => a.start - b.start);
      expect(ohlcvOf(bars)).toEqual(servedBars(symbol, '1m', T0, T0 + 3 * DAY));
    }
  } finally {
    await queues.close();
    queues.connection.disconnect();
  }
}, 120000);
