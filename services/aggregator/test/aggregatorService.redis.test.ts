import { TimeBarAggregator } from '@tickline/aggregation';
import { readStreamRecords, StreamPublisher, streamKeys } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import type { Bar, Trade } from '@tickline/core';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import { mapBinanceFrame, readBinanceRecording } from '@tickline/venues';
import { join } from 'node:path';
import { createAggregatorService } from '../src';

const SESSION = join(
  __dirname,
  '../../../packages/venues/data/binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
);
const TRADES = 4000;
const ETH = { venue: 'binance', symbol: 'ETHUSDT' } as const;

async function sessionTrades(count: number): Promise<Trade[]> {
  const trades: Trade[] = [];
  for await (const frame of readBinanceRecording(SESSION)) {
    const message = mapBinanceFrame(frame.frame, frame.t);
    if (message.kind === 'trade') trades.push({ ...message.trade, recvTs: message.trade.ts });
    if (trades.length >= count) break;
  }
  return trades;
}

let ctx: RedisTestContext;
let app: App | undefined;
beforeAll(() => {
  ctx = redisTestContext('tlaggsvc');
});
afterAll(async () => {
  await app?.close().catch(() => undefined);
  await ctx.cleanup();
});

test('final bars in the bar stream equal the offline aggregator over the same trades, each exactly once', async () => {
  const trades = await sessionTrades(TRADES);
  expect(trades).toHaveLength(TRADES);
  const keys = streamKeys(ctx.prefix);
  const publisher = new StreamPublisher(testRedisClient(), { maxRecordsPerEntry: 100 });
  await publisher.publishMany(keys.ticks(ETH), trades);
  await publisher.close();

  app = await startApp({
    services: [createAggregatorService({ replay: true, timeframes: ['1m', '5m'], consumer: 'test-agg' })],
    config: loadConfig({
      env: {
        TICKLINE_METRICS_PORT: '0',
        TICKLINE_LOG_LEVEL: 'silent',
        TICKLINE_PREFIX: ctx.prefix,
        TICKLINE_INSTRUMENTS: 'binance:ETHUSDT',
      },
    }),
  });
  const ticks = keys.ticks(ETH);
  await waitFor(
    async () => {
      const groups = (await ctx.redis.xinfo('GROUPS', ticks)) as unknown[][];
      const group = groups[0] ?? [];
      return group[group.indexOf('pending') + 1] === 0 && group[group.indexOf('lag') + 1] === 0;
    },
    { timeoutMs: 20_000, what: 'the aggregator to consume every tick' },
  );
  // One latency sample per bar a trade made final (not the bars flushed at the end of the replay).
  const latency = (await app.metrics.getSingleMetric('tickline_aggregator_tick_to_bar_seconds')?.get())
    ?.values;
  const count = latency?.find((v) => v.labels.le === '+Inf')?.value; // the +Inf bucket counts every sample
  await app.close();
  app = undefined;

  const offline = new TimeBarAggregator({ ...ETH, timeframes: ['1m', '5m'], source: 'live' });
  const closedByTrades = offline.pushAll(trades);
  const events = [...closedByTrades, ...offline.flush()];
  expect(count).toBe(closedByTrades.filter((e) => e.kind === 'final' && e.bar.revision === 0).length);
  expect(count).toBeGreaterThan(0);
  for (const timeframe of ['1m', '5m']) {
    const expected = events.flatMap((e) =>
      (e.kind === 'final' || e.kind === 'revision') && e.bar.timeframe === timeframe ? [e.bar] : [],
    );
    const published = await readStreamRecords<Bar>(ctx.redis, keys.bars(ETH, timeframe));
    expect(expected.length).toBeGreaterThan(0);
    expect(published).toEqual(expected);
    const ids = published.map((b) => `${b.start}/${b.revision}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(published.every((b) => b.final)).toBe(true);
  }
  expect(await ctx.redis.xlen(keys.dlq('aggregator'))).toBe(0);
}, 60_000);
