import { promises as fs } from 'node:fs';
import { ConfigSchema } from '@tickline/config';
import { createFundamentalsService, PgSnapshotHistory, SnapshotStore } from '@tickline/fundamentals';
import { ProviderGate, RedisRateLimiter } from '@tickline/providers';
import { startApp } from '@tickline/runtime';
import { redisTestContext, waitFor, type RedisTestContext } from '@tickline/testkit';
import { AV_KEY, FMP_KEY, startMocks, type Mocks } from '../../../packages/fundamentals/test/support/mocks';
import { tempRoot } from '../../../packages/fundamentals/test/support/service';
import { DATABASE_URL, useMigratedSchema } from '../../../packages/storage/test/testDatabase';
import { createFundamentalsRefreshService } from '../src/fundamentalsRefreshService';
import { RefreshJobs, syncSchedules } from '../src/refreshJobs';

const pg = useMigratedSchema();
let mocks: Mocks;
let root: string;
let ctx: RedisTestContext;
let jobs: RefreshJobs | undefined;
beforeEach(async () => {
  mocks = await startMocks();
  root = await tempRoot();
  ctx = redisTestContext('tlfundjobs');
  await pg.current().db.none('TRUNCATE fundamentals_snapshots');
});
afterEach(async () => {
  await jobs?.close();
  jobs = undefined;
  await mocks.close();
  await fs.rm(root, { recursive: true, force: true });
  await ctx.cleanup();
});

/** The service as the job process builds it: config sections, gates on the shared Redis limits, PG history. */
function build(universes: { name: string; symbols: string[]; cron: string }[], attempts = 3) {
  const config = ConfigSchema.parse({
    cache: { dir: root },
    fundamentals: { refresh: { universes, attempts } },
    venues: {
      fmp: { restUrl: mocks.urls.fmp, apiKey: FMP_KEY },
      yahoo: { restUrl: mocks.urls.yahoo },
      alphavantage: { restUrl: mocks.urls.alphaVantage, apiKey: AV_KEY },
    },
  });
  const { service } = createFundamentalsService(
    { root: config.cache.dir, ...config.fundamentals, venues: config.venues },
    {
      history: new PgSnapshotHistory(pg.current().db),
      gateFor: (provider) =>
        new ProviderGate({
          provider,
          limiter: new RedisRateLimiter({
            redis: ctx.redis,
            prefix: ctx.prefix,
            provider,
            rules: [{ limit: 100, windowMs: 60_000 }],
          }),
        }),
    },
  );
  jobs = new RefreshJobs(
    {
      connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null },
      prefix: `${ctx.prefix}:{fundamentals}`,
      universes: config.fundamentals.refresh.universes,
      attempts: config.fundamentals.refresh.attempts,
      backoffMs: 50,
    },
    service,
  );
  return { jobs, store: new SnapshotStore(root) };
}

async function historyProviders(symbol: string): Promise<string[]> {
  const rows = await new PgSnapshotHistory(pg.current().db).list(symbol);
  return [...new Set(rows.map((r) => r.provider))].sort();
}

it('a universe schedule enqueues its symbols; the worker refreshes the cache and PostgreSQL through the shared limits', async () => {
  const { jobs, store } = build([{ name: 'mega', symbols: ['AAPL'], cron: '* * * * * *' }]);
  await jobs.start();
  expect((await jobs.queue.getJobSchedulers()).map((s) => s.key)).toEqual(['universe-mega']);
  await waitFor(async () => (await store.latestGood('AAPL', 'combined')) !== undefined, {
    timeoutMs: 15_000,
  });
  expect(await store.latestGood('AAPL', 'fmp')).toBeDefined();
  await waitFor(async () => (await historyProviders('AAPL')).includes('combined'), { timeoutMs: 5_000 });
  expect(await historyProviders('AAPL')).toEqual(['alphavantage', 'combined', 'fmp', 'yahoo']);
  // Booked on the Redis limit the backfill shares: keys under the test prefix exist for the providers.
  const keys = await ctx.redis.keys(`${ctx.prefix}*fmp*`);
  expect(keys.length).toBeGreaterThan(0);

  // Re-syncing with the universe gone removes its schedule.
  await syncSchedules(jobs.queue, []);
  expect(await jobs.queue.getJobSchedulers()).toEqual([]);
});

it('fails over when a provider fails, and retries a symbol while every provider fails', async () => {
  const { jobs, store } = build([], 3);
  mocks.fmp.fault = 'server500';
  mocks.yahoo.fault = 'rateLimit';
  mocks.alphaVantage.fault = 'daily';
  await jobs.start();
  const failures: number[] = [];
  jobs.worker!.on('failed', (job) => failures.push(job?.attemptsMade ?? -1));
  await jobs.enqueue(['AAPL', 'AAPL']);
  // Nothing cached yet and every provider down: the job fails and is retried.
  await waitFor(() => failures.length >= 1, { timeoutMs: 10_000 });
  const fmpBefore = mocks.fmp.count();
  // Yahoo recovers before the retries run out: the next attempt is served by Yahoo, FMP still failing.
  mocks.yahoo.fault = undefined;
  await waitFor(async () => (await store.latestGood('AAPL', 'yahoo')) !== undefined, { timeoutMs: 10_000 });
  expect(failures[0]).toBe(1);
  expect(mocks.fmp.count()).toBeGreaterThan(fmpBefore);
  expect(await store.latestGood('AAPL', 'fmp')).toBeUndefined();
  await waitFor(async () => (await historyProviders('AAPL')).includes('combined'), { timeoutMs: 5_000 });
  expect(await historyProviders('AAPL')).toEqual(['combined', 'yahoo']);
});

it('runs as the fundamentals service: config in, scheduled refreshes into the cache and the database', async () => {
  const schema = pg.current().schema;
  const config = ConfigSchema.parse({
    prefix: ctx.prefix,
    metrics: { port: 0 },
    log: { level: 'silent' },
    cache: { dir: root },
    database: { url: `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` },
    fundamentals: { refresh: { universes: [{ name: 'one', symbols: ['AAPL'], cron: '* * * * * *' }] } },
    venues: {
      fmp: { restUrl: mocks.urls.fmp, apiKey: FMP_KEY },
      yahoo: { restUrl: mocks.urls.yahoo },
      alphavantage: { restUrl: mocks.urls.alphaVantage },
    },
  });
  const app = await startApp({ services: [createFundamentalsRefreshService()], config });
  try {
    await waitFor(async () => (await historyProviders('AAPL')).includes('combined'), { timeoutMs: 15_000 });
    expect(await historyProviders('AAPL')).toEqual(['combined', 'fmp', 'yahoo']);
    expect(await new SnapshotStore(root).latestGood('AAPL', 'yahoo')).toBeDefined();
    expect(mocks.alphaVantage.count()).toBe(0); // no key: skipped
  } finally {
    await app.close();
  }
});
