import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { decodeAny, recordsOf, streamKeys } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import { startApp, type App } from '@tickline/runtime';
import { createSinkService } from '@tickline/sink-service';
import { readCachedBars, verifyCache } from '@tickline/storage';
import { redisTestContext, waitFor } from '@tickline/testkit';
import { repairRequests } from '../../services/backfill/src/gapScheduler';
import { barSeries, metricTotal, expectSameBars, publishBars, T0, tempCache, sinkEnv } from './sinkHarness';

// Issue 17 point 4, without a database: a year file damaged under a running sink is quarantined (kept,
// renamed beside it), a new file holds what could be read plus the new bars, and the rows it lost are a
// `cache-damaged` gap on tl:gaps that the backfill's scheduler turns into repairs. No DLQ entry.
// tickline_cache_integrity_failures_total does not move in a clean demo (docs/metrics.md): it moves here.

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

test('a damaged year file under a running sink is quarantined; the lost rows become a gap, no bar goes to the DLQ', async () => {
  const bars = barSeries('BTCUSDT', '1m', 20);
  const keys = streamKeys(ctx.prefix);
  const app = await startSink();
  try {
    await publishBars(ctx.redis, ctx.prefix, bars.slice(0, 10), 10);
    await waitFor(async () => (await metricTotal(app, 'tickline_sink_rows_total', { store: 'cache' })) >= 10);
    expect(await metricTotal(app, 'tickline_cache_integrity_failures_total')).toBe(0);

    const dir = join(cache.root, 'ohlcv', 'BTCUSDT', '1m');
    const file = join(dir, `${new Date(T0).getUTCFullYear()}.csv.gz`);
    await fs.writeFile(file, 'not a gzip stream');

    await publishBars(ctx.redis, ctx.prefix, bars.slice(10), 10);
    await waitFor(async () => (await metricTotal(app, 'tickline_sink_rows_total', { store: 'cache' })) >= 20);
    expect(await metricTotal(app, 'tickline_cache_integrity_failures_total')).toBe(1);
    expect(await metricTotal(app, 'tickline_sink_cache_heals_total', { action: 'quarantined' })).toBe(1);
    expect(await metricTotal(app, 'tickline_sink_failures_total', { store: 'cache' })).toBe(0);
    expect(await ctx.redis.xlen(keys.dlq('sink'))).toBe(0);

    // The damaged file is kept beside the new one, byte for byte; verify passes over it.
    const kept = (await fs.readdir(dir)).filter((name) =>
      /^\d{4}\.csv\.gz\.damaged-\d{8}T\d{6}\.\d{3}Z$/.test(name),
    );
    expect(kept).toHaveLength(1);
    expect(await fs.readFile(join(dir, kept[0]!), 'utf8')).toBe('not a gzip stream');
    expect((await verifyCache(cache.root)).bad).toEqual([]);

    // Every bar is in the new file or inside the published hole.
    const query = { symbol: 'BTCUSDT', timeframe: '1m', from: 0, to: Date.UTC(2030, 0, 1) } as const;
    expectSameBars(await readCachedBars(cache.root, query), bars.slice(10));
    const entries = await ctx.redis.xrangeBuffer(keys.gaps(), '-', '+');
    const gaps = entries.flatMap(([, fields]) => recordsOf(decodeAny(fields[fields.length - 1]!)));
    expect(gaps).toEqual([
      {
        venue: 'binance',
        symbols: ['BTCUSDT'],
        cause: 'cache-damaged',
        from: bars[0]!.start,
        to: bars[10]!.start,
        timeframe: '1m',
        file,
      },
    ]);
    // ...and the backfill's gap scheduler repairs that instrument over that range.
    expect(repairRequests(gaps[0], ['1m'])).toEqual([
      expect.objectContaining({
        venue: 'binance',
        symbol: 'BTCUSDT',
        timeframe: '1m',
        from: bars[0]!.start,
        to: bars[10]!.start,
        repair: expect.objectContaining({ cause: 'cache-damaged' }),
      }),
    ]);
  } finally {
    await app.close();
  }
});
