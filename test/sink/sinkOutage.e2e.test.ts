import { loadConfig, type TicklineConfig } from '@tickline/config';
import type { Bar } from '@tickline/core';
import { startApp, type App } from '@tickline/runtime';
import { createSinkService } from '@tickline/sink-service';
import { connectDatabase, migrate, queryBars, readCachedBars, type Database } from '@tickline/storage';
import { redisTestContext, waitFor, type RedisTestContext } from '@tickline/testkit';
import { OwnPostgres } from './ownPostgres';
import { barSeries, expectSameBars, publishBars, tempCache, sinkEnv } from './sinkHarness';

// PostgreSQL stopped for 20 s while bars flow: the sink holds its position, reports unready (the store
// and, as entries pile up, its lag), sends nothing to the DLQ, and catches up by itself once it is back.
jest.setTimeout(90_000);

let ctx: RedisTestContext;
let pg: OwnPostgres;
let db: Database;
let cache: ReturnType<typeof tempCache>;
let app: App | undefined;
beforeAll(async () => {
  ctx = redisTestContext('tlsinkout');
  pg = await OwnPostgres.create();
  db = connectDatabase(pg.url, { max: 2 });
  await migrate(db);
  cache = tempCache();
});
afterAll(async () => {
  await app?.close().catch(() => undefined);
  await db?.$pool.end();
  pg?.remove();
  cache?.remove();
  await ctx.cleanup();
});

/** The config with `runtime.readyMaxLag` set (no environment variable binds it). */
function withReadyMaxLag(config: TicklineConfig, readyMaxLag: number): TicklineConfig {
  return { ...config, runtime: { ...config.runtime, readyMaxLag } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function publishPaced(bars: Bar[], from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 100) {
    await publishBars(ctx.redis, ctx.prefix, bars.slice(i, Math.min(i + 100, to)), 100);
    await sleep(20);
  }
}

test('an outage of PostgreSQL holds the stream, loses nothing, dead-letters nothing, and heals', async () => {
  const bars = barSeries('BTCUSDT', '1m', 12_000);
  app = await startApp({
    services: [createSinkService({ timeframes: ['1m'], consumer: 'outage-sink' })],
    config: withReadyMaxLag(
      loadConfig({ env: sinkEnv({ prefix: ctx.prefix, cacheDir: cache.root, databaseUrl: pg.url }) }),
      20,
    ),
  });
  await publishPaced(bars, 0, 4000);
  pg.stop();
  const stopped = Date.now();
  const during = publishPaced(bars, 4000, 8000);
  await waitFor(async () => !(await app!.readiness()).ready, { timeoutMs: 10_000 });
  const report = await app.readiness();
  expect(JSON.stringify(report)).toMatch(/stores: db:/);
  await during;
  // Held, the sink reads nothing new: the 40 entries published during the outage are lag.
  expect((await app.readiness()).services['sink']?.['lag']).toMatch(
    /^group sink is behind by more than 20 entries: .*:bars:\{binance:BTCUSDT\}:1m \d+$/,
  );
  await sleep(20_000 - (Date.now() - stopped));
  expect((await app.readiness()).ready).toBe(false); // still down after 20 s, still holding
  pg.start();
  await publishPaced(bars, 8000, bars.length);

  const key = `${ctx.prefix}:bars:{binance:BTCUSDT}:1m`;
  await waitFor(
    async () => {
      const [group = []] = (await ctx.redis.xinfo('GROUPS', key)) as unknown[][];
      return group[group.indexOf('pending') + 1] === 0 && group[group.indexOf('lag') + 1] === 0;
    },
    { timeoutMs: 30_000 },
  );
  await waitFor(async () => (await app!.readiness()).ready, { timeoutMs: 5000 });
  const query = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: 0,
    to: Date.UTC(2030, 0, 1),
  } as const;
  expectSameBars(await queryBars(db, query), bars);
  expectSameBars(await readCachedBars(cache.root, query), bars);
  expect(await ctx.redis.xlen(`${ctx.prefix}:dlq:sink`)).toBe(0);
  const metrics = await app.metrics.getSingleMetricAsString('tickline_sink_failures_total');
  expect(metrics).toMatch(/tickline_sink_failures_total\{store="db"\} [1-9]/);
});
