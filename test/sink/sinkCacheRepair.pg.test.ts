import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { streamKeys } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import { startApp } from '@tickline/runtime';
import { createSinkService } from '@tickline/sink-service';
import { readCachedBars, verifyCache } from '@tickline/storage';
import { waitFor } from '@tickline/testkit';
import {
  barSeries,
  metricTotal,
  expectSameBars,
  publishBars,
  sinkEnv,
  T0,
  useSinkStores,
} from './sinkHarness';

// Issue 17 point 4, with a database: a year file damaged under a running sink is repaired from
// PostgreSQL (as `tickline cache repair` does) and the batch written into it; nothing is lost, nothing
// is quarantined, no gap is published, no bar goes to the DLQ.

const stores = useSinkStores('tlsinkrepair');

test('a damaged year file under a running sink is repaired from the database; every bar is in the file', async () => {
  const bars = barSeries('BTCUSDT', '1m', 30);
  const { ctx, cache, schema } = stores;
  const keys = streamKeys(ctx.prefix);
  const app = await startApp({
    services: [createSinkService({ timeframes: ['1m'], consumer: 'repair-sink', schema: schema.schema })],
    config: loadConfig({
      env: sinkEnv({ prefix: ctx.prefix, cacheDir: cache.root, databaseUrl: schema.url }),
    }),
  });
  try {
    await publishBars(ctx.redis, ctx.prefix, bars.slice(0, 20), 10);
    await waitFor(async () => (await metricTotal(app, 'tickline_sink_rows_total', { store: 'cache' })) >= 20);

    const dir = join(cache.root, 'ohlcv', 'BTCUSDT', '1m');
    const file = join(dir, `${new Date(T0).getUTCFullYear()}.csv.gz`);
    const bytes = await fs.readFile(file);
    bytes.fill(0xff, bytes.length >> 1, (bytes.length >> 1) + 16); // damaged in the middle
    await fs.writeFile(file, bytes);

    await publishBars(ctx.redis, ctx.prefix, bars.slice(20), 10);
    await waitFor(async () => (await metricTotal(app, 'tickline_sink_rows_total', { store: 'cache' })) >= 30);
    expect(await metricTotal(app, 'tickline_cache_integrity_failures_total')).toBe(1);
    expect(await metricTotal(app, 'tickline_sink_cache_heals_total', { action: 'repaired' })).toBe(1);
    expect(await metricTotal(app, 'tickline_sink_cache_heals_total', { action: 'quarantined' })).toBe(0);
    expect(await ctx.redis.xlen(keys.dlq('sink'))).toBe(0);
    expect(await ctx.redis.exists(keys.gaps())).toBe(0);

    const query = { symbol: 'BTCUSDT', timeframe: '1m', from: 0, to: Date.UTC(2030, 0, 1) } as const;
    expectSameBars(await readCachedBars(cache.root, query), bars);
    expect((await fs.readdir(dir)).filter((name) => name.includes('.damaged-'))).toEqual([]);
    expect((await verifyCache(cache.root)).bad).toEqual([]);
  } finally {
    await app.close();
  }
});
