import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@tickline/config';
import { startApp, type App } from '@tickline/runtime';
import { createSinkService } from '@tickline/sink-service';
import { redisTestContext, waitFor } from '@tickline/testkit';
import { barSeries, publishBars, T0, tempCache, sinkEnv } from './sinkHarness';

// tickline_cache_integrity_failures_total does not move in a clean demo (docs/metrics.md says so):
// this is where it moves, on a real damaged year file.

const ctx = redisTestContext('tlsinkintegrity');
const cache = tempCache();
afterAll(async () => {
  await ctx.cleanup();
  cache.remove();
});

function startSink(): Promise<App> {
  return startApp({
    services: [createSinkService({ timeframes: ['1m'], consumer: 'integrity-sink' })],
    config: loadConfig({ env: sinkEnv({ prefix: ctx.prefix, cacheDir: cache.root, databaseUrl: '' }) }),
  });
}

async function total(app: App, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = app.metrics.getSingleMetric(name);
  if (metric === undefined) throw new Error(`${name} is not registered`);
  return (await metric.get()).values
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

test('a damaged year file in the cache counts in tickline_cache_integrity_failures_total', async () => {
  const bars = barSeries('BTCUSDT', '1m', 20);
  await publishBars(ctx.redis, ctx.prefix, bars.slice(0, 10), 10);
  let app = await startSink();
  try {
    await waitFor(async () => (await total(app, 'tickline_sink_rows_total', { store: 'cache' })) >= 10);
    expect(await total(app, 'tickline_cache_integrity_failures_total')).toBe(0);
  } finally {
    await app.close();
  }

  const entries = await fs.readdir(cache.root, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.csv.gz'));
  expect(files).toHaveLength(1);
  expect(files[0]!.name).toBe(`${new Date(T0).getUTCFullYear()}.csv.gz`);
  await fs.writeFile(join(files[0]!.parentPath, files[0]!.name), 'not a gzip stream');

  await publishBars(ctx.redis, ctx.prefix, bars.slice(10), 10);
  app = await startSink();
  try {
    await waitFor(async () => (await total(app, 'tickline_cache_integrity_failures_total')) > 0);
    expect(await total(app, 'tickline_sink_failures_total', { store: 'cache' })).toBeGreaterThan(0);
  } finally {
    await app.close().catch(() => undefined);
  }
});
