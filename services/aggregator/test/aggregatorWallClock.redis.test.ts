import { readStreamRecords, StreamPublisher, streamKeys, type StreamKeys } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import type { Bar, Trade } from '@tickline/core';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import { createAggregatorService, type AggregatorOptions } from '../src';

// Live mode between trades: a quiet instrument's bars become final by wall clock (committed with the state
// at the unchanged stream position), and partial bars go out at the configured rate. Replay mode does
// neither: it stays on event time.

const BTC = { venue: 'binance', symbol: 'BTCUSDT' } as const;
let ctx: RedisTestContext;
let keys: StreamKeys;
let app: App | undefined;

beforeEach(() => {
  ctx = redisTestContext('tlaggwall');
  keys = streamKeys(ctx.prefix);
});
afterEach(async () => {
  await app?.close().catch(() => undefined);
  app = undefined;
  await ctx.cleanup();
});

/** `count` trades `gapMs` apart ending now, so the last one's second ends within a second. */
function recentTrades(count: number, gapMs = 40): Trade[] {
  const end = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const ts = end - (count - 1 - i) * gapMs;
    return { ...BTC, ts, recvTs: ts, price: 100 + (i % 7), size: 1 + (i % 3), side: 'buy', id: `t${i}` };
  });
}

async function publish(trades: readonly Trade[]): Promise<void> {
  const publisher = new StreamPublisher(testRedisClient(), { maxRecordsPerEntry: 10 });
  await publisher.publishMany(keys.ticks(BTC), trades);
  await publisher.close();
}

async function start(options: AggregatorOptions): Promise<void> {
  app = await startApp({
    services: [createAggregatorService({ timeframes: ['1s'], allowedLatenessMs: 300, ...options })],
    config: loadConfig({
      env: {
        TICKLINE_METRICS_PORT: '0',
        TICKLINE_LOG_LEVEL: 'silent',
        TICKLINE_PREFIX: ctx.prefix,
        TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
      },
    }),
  });
}

const bars = (): Promise<Bar[]> => readStreamRecords<Bar>(ctx.redis, keys.bars(BTC, '1s'));

/** The OHLCV and trade count of each second of `trades` (the bars a complete run must finalize). */
function secondsOf(trades: readonly Trade[]): Map<number, Pick<Bar, 'open' | 'close' | 'volume' | 'trades'>> {
  const seconds = new Map<number, Pick<Bar, 'open' | 'close' | 'volume' | 'trades'>>();
  for (const t of trades) {
    const start = t.ts - (t.ts % 1000);
    const bar = seconds.get(start);
    if (!bar) seconds.set(start, { open: t.price, close: t.price, volume: t.size, trades: 1 });
    else seconds.set(start, { ...bar, close: t.price, volume: bar.volume + t.size, trades: bar.trades + 1 });
  }
  return seconds;
}

test('live mode finalizes a quiet instrument by wall clock: every second of its trades, once', async () => {
  const trades = recentTrades(60);
  await publish(trades);
  await start({ wallClockMs: 100 });
  const expected = secondsOf(trades);
  await waitFor(async () => (await bars()).length >= expected.size, {
    timeoutMs: 10_000,
    what: 'every second final, the last one without a later trade',
  });
  const published = await bars();
  expect(published.every((b) => b.final && b.revision === 0)).toBe(true);
  expect(new Map(published.map((b) => [b.start, pick(b)]))).toEqual(expected);
  expect(published).toHaveLength(expected.size);
  const checkpoint = await ctx.redis.hget(keys.checkpoint('aggregator', BTC), 'commits');
  expect(Number(checkpoint)).toBeGreaterThan(1); // the batch, then the wall-clock commit(s)
  const held = await app!.metrics.getSingleMetric('tickline_aggregator_instruments_held')!.get();
  expect(held.values[0]?.value).toBe(1); // the one instrument's lease
  expect(await ctx.redis.xlen(keys.dlq('aggregator'))).toBe(0);
});

test('replay mode stays on event time: the last second stays open while the instrument is quiet', async () => {
  const trades = recentTrades(60);
  await publish(trades);
  await start({ replay: true, wallClockMs: 100 });
  const last = trades[trades.length - 1]!;
  await waitFor(async () => (await ctx.redis.hget(keys.checkpoint('aggregator', BTC), 'pos')) !== null, {
    what: 'the batch committed',
  });
  await new Promise((resolve) => setTimeout(resolve, 1500)); // past the last second's end plus lateness
  const starts = (await bars()).map((b) => b.start);
  expect(starts).not.toContain(last.ts - (last.ts % 1000));
  await app?.close(); // the replay flush at stop finalizes it
  app = undefined;
  expect((await bars()).map((b) => b.start)).toContain(last.ts - (last.ts % 1000));
});

test.each([
  [150, 'a short interval: several updates'],
  [60_000, 'a long interval: the first batch only'],
])('partial bars at most every %i ms (%s), never after their final bar', async (interval) => {
  await start({ wallClockMs: 100, partialIntervalMs: interval });
  const trades: Trade[] = [];
  for (let round = 0; round < 8; round++) {
    const batch = recentTrades(3, 1).map((t) => ({ ...t, id: `r${round}-${t.id}` }));
    trades.push(...batch);
    await publish(batch);
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  const expected = secondsOf(trades);
  await waitFor(async () => (await bars()).filter((b) => b.final).length >= expected.size, {
    timeoutMs: 10_000,
    what: 'every second final',
  });
  const published = await bars();
  const partials = published.filter((b) => !b.final);
  expect(partials.length).toBeGreaterThan(0);
  // One update holds the open bars of that moment: one or two seconds. Eight batches came.
  if (interval === 60_000) expect(partials.length).toBeLessThanOrEqual(2);
  for (const partial of partials) {
    const final = published.findIndex((b) => b.final && b.start === partial.start);
    expect(final).toBeGreaterThan(published.indexOf(partial));
    expect(partial.trades).toBeLessThanOrEqual(published[final]!.trades);
  }
  expect(new Map(published.filter((b) => b.final).map((b) => [b.start, pick(b)]))).toEqual(expected);
});

function pick(bar: Bar): Pick<Bar, 'open' | 'close' | 'volume' | 'trades'> {
  return { open: bar.open, close: bar.close, volume: bar.volume, trades: bar.trades };
}
