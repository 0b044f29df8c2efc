import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { msgpackCodec, streamKeys, writeHeartbeat } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import { createMonitorService, PIPELINE_METRIC_NAMES } from '@tickline/monitor-service';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext } from '@tickline/testkit';
import pino from 'pino';

const ctx = redisTestContext('tlmon');
const keys = streamKeys(ctx.prefix);
let cacheDir: string;
let app: App | undefined;

beforeAll(() => (cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-monitor-'))));
afterAll(async () => {
  await app?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

/** `name{labels} value` lines of one metric from a Prometheus text exposition. */
function samples(body: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of body.split('\n')) {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) out[match[1] ?? ''] = Number(match[2]);
  }
  return out;
}

test('the monitor exposes lag, ages, heartbeats, dead letters and store health, read once per interval', async () => {
  const now = Date.now();
  const ticks = keys.ticks({ venue: 'binance', symbol: 'BTCUSDT' });
  for (let i = 0; i < 5; i++) {
    await ctx.redis.xadd(ticks, `${now - 5000 + i}-0`, 'v', '1', 'd', msgpackCodec.encode([{ price: 1 }]));
  }
  await ctx.redis.xgroup('CREATE', ticks, 'aggregator', '0');
  await ctx.redis.xreadgroup('GROUP', 'aggregator', 'c', 'COUNT', 3, 'STREAMS', ticks, '>');
  await ctx.redis.xadd(keys.dlq('binance'), '*', 'd', msgpackCodec.encode({ reason: 'bad JSON' }));
  await writeHeartbeat(ctx.redis, ctx.prefix, {
    service: 'ingestor',
    instance: 'h:1',
    version: '0.1.0',
    pid: 1,
    startedAt: now - 10_000,
    beatAt: now - 1000,
    ttlMs: 15_000,
    phase: 'running',
  });

  const config = loadConfig({
    env: {
      TICKLINE_PREFIX: ctx.prefix,
      TICKLINE_METRICS_PORT: '0',
      TICKLINE_CACHE_DIR: cacheDir,
      TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
    },
  });
  app = await startApp({
    services: [createMonitorService({ minReadIntervalMs: 60_000 })],
    config,
    logger: pino({ level: 'silent' }),
  });
  const body = await (await fetch(`${app.url}/metrics`)).text();

  for (const name of PIPELINE_METRIC_NAMES) expect(body).toContain(`# TYPE ${name} gauge`);
  const instrument = '{instrument="binance:BTCUSDT"}';
  expect(samples(body, 'tickline_stream_entries')).toEqual({ [instrument]: 5 });
  expect(samples(body, 'tickline_consumer_lag')).toEqual({
    '{instrument="binance:BTCUSDT",group="aggregator"}': 2,
  });
  expect(samples(body, 'tickline_consumer_pending')).toEqual({
    '{instrument="binance:BTCUSDT",group="aggregator"}': 3,
  });
  expect(samples(body, 'tickline_last_tick_age_seconds')[instrument]).toBeGreaterThanOrEqual(4.99);
  expect(samples(body, 'tickline_service_alive')).toEqual({ '{service="ingestor",instance="h:1"}': 1 });
  expect(samples(body, 'tickline_dlq_entries')).toEqual({ '{source="binance"}': 1 });
  expect(samples(body, 'tickline_store_up')).toEqual({ '{store="cache"}': 1 });
  expect(samples(body, 'tickline_cache_files')).toEqual({ '': 0 });
  // Redis memory and the cache's disk (the test Redis has no maxmemory: 0).
  const used = Object.values(samples(body, 'tickline_redis_used_memory_bytes'));
  expect(used).toEqual([expect.any(Number)]);
  expect(used[0]).toBeGreaterThan(0);
  expect(Object.keys(samples(body, 'tickline_redis_maxmemory_bytes'))).toEqual([
    expect.stringMatching(/^\{node="[^"]+:\d+"\}$/),
  ]);
  const free = samples(body, 'tickline_cache_disk_free_bytes')[''];
  expect(free).toBeGreaterThan(0);
  expect(samples(body, 'tickline_cache_disk_size_bytes')['']).toBeGreaterThanOrEqual(free!);

  // Within the read interval a second scrape reuses the first reading: new entries are not seen yet.
  await ctx.redis.xadd(ticks, '*', 'v', '1', 'd', msgpackCodec.encode([{ price: 1 }]));
  const again = await (await fetch(`${app.url}/metrics`)).text();
  expect(samples(again, 'tickline_stream_entries')).toEqual({ [instrument]: 5 });
});
