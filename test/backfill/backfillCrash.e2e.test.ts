import { join } from 'node:path';
import { createHistory, BinanceRestMock } from '@tickline/history';
import { createSinkService } from '@tickline/sink-service';
import { startApp, type App } from '@tickline/runtime';
import { queryBars } from '@tickline/storage';
import { redisUrl, spawnTs, waitFor, type TsChild } from '@tickline/testkit';
import { BackfillQueues, bullConnection, enqueueBackfill } from '@tickline/backfill-service';
import { useSinkStores } from '../sink/sinkHarness';
import {
  configFile,
  DAY,
  ohlcvOf,
  servedBars,
  T0,
  testConfig,
  testEnv,
} from '../../services/backfill/test/support/backfillHarness';

// Acceptance: a worker SIGKILLed mid-job; its chunk is taken over once the lock expires, the request
// completes, and the database holds every bar once.
const stores = useSinkStores('tlbfcrash');
const DAYS = 10;
const WORKER = join(__dirname, 'support', 'backfillWorker.ts');
let mock: BinanceRestMock;
let sink: App;
const children: TsChild[] = [];
let file: ReturnType<typeof configFile>;

const backfillSettings = {
  // Three requests a second: the chunks take seconds, so the kill lands inside one.
  limits: { binance: [{ limit: 6, windowMs: 1000, marginMs: 300 }] },
  concurrency: 2,
  lockDurationMs: 2000,
  backoffMs: 50,
};

beforeAll(async () => {
  mock = await BinanceRestMock.start({ weightLimit: 6, windowMs: 1000 });
  file = configFile({ backfill: backfillSettings });
});
afterAll(async () => {
  for (const child of children) child.child.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  await sink?.close();
  await mock.close();
  file.remove();
});

test('a backfill worker SIGKILLed mid-job: the request still completes, with no duplicate rows', async () => {
  const env = {
    TICKLINE_PREFIX: stores.ctx.prefix,
    TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
    TICKLINE_CACHE_DIR: stores.cache.root,
    DATABASE_URL: stores.schema.url,
    TICKLINE_BINANCE_REST_URL: mock.url,
    REDIS_URL: redisUrl(),
  };
  const config = testConfig(env, { backfill: backfillSettings });
  sink = await startApp({
    services: [createSinkService({ timeframes: ['1m'], consumer: 'test-sink' })],
    config,
  });
  const queues = new BackfillQueues(bullConnection(config, 'test'), stores.ctx.prefix);
  try {
    const { router } = createHistory(config, { redis: stores.ctx.redis, prefix: stores.ctx.prefix });
    const { id, chunks } = await enqueueBackfill(queues, router, config.backfill, {
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      from: T0,
      to: T0 + DAYS * DAY,
    });
    expect(chunks).toBe(15);
    const spawnWorker = () => {
      const child = spawnTs(WORKER, [], testEnv({ ...env, TICKLINE_CONFIG: file.path }));
      children.push(child);
      return child;
    };
    const first = spawnWorker();
    await first.waitForStdout(/ready/, 30000);
    await waitFor(async () => (await queues.chunks.getCompletedCount()) >= 2, { timeoutMs: 30000 });
    await waitFor(async () => (await queues.chunks.getActiveCount()) >= 1, { timeoutMs: 10000 });
    first.child.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    const killedIn = (await queues.chunks.getActive()).map((job) => job.id);
    expect(killedIn.length).toBeGreaterThanOrEqual(1); // jobs the dead worker held, still locked

    const second = spawnWorker();
    await second.waitForStdout(/ready/, 30000);
    await waitFor(async () => (await (await queues.requests.getJob(id))?.getState()) === 'completed', {
      timeoutMs: 60000,
      what: 'the request completed after the crash',
    });
    const query = {
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      from: T0,
      to: T0 + DAYS * DAY,
    } as const;
    await waitFor(async () => (await queryBars(stores.schema.db, query)).length >= DAYS * 1440, {
      timeoutMs: 30000,
    });
    const rows = await stores.schema.db.one<{ n: number; keys: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT (venue, symbol, timeframe, start))::int AS keys FROM bars_minutes',
    );
    expect(rows).toEqual({ n: DAYS * 1440, keys: DAYS * 1440 });
    expect(ohlcvOf(await queryBars(stores.schema.db, query))).toEqual(
      servedBars('BTCUSDT', '1m', T0, T0 + DAYS * DAY),
    );
    // The chunks the killed worker held were run again (stalled, then taken over).
    for (const jobId of killedIn) {
      const job = await queues.chunks.getJob(jobId!);
      expect(await job!.getState()).toBe('completed');
      expect(job!.attemptsStarted).toBeGreaterThanOrEqual(2);
    }
    expect(mock.limits).toMatchObject({ count429: 0, count418: 0 });
  } finally {
    await queues.close();
    queues.connection.disconnect();
  }
}, 120000);
