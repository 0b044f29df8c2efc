import type Redis from 'ioredis';
import { StreamPublisher, streamKeys } from '@tickline/bus';
import type { InstrumentRef, Trade } from '@tickline/core';
import {
  redisTestContext,
  testRedisClient,
  waitFor,
  type RedisTestContext,
  type TsChild,
} from '@tickline/testkit';
import {
  aggregatorConfigFile,
  expectDuplicatesAndReordering,
  expectOfflineBars,
  generateTrades,
  groupTotal,
  startAggregator,
} from './aggregatorFixtures';

// The aggregator as a real process (`tickline run aggregator`: live mode on event time, every default
// timeframe, no flush at stop), killed with SIGKILL at five random moments while 1,000,000 trades of four
// instruments flow. The trades carry duplicates and local reordering within the allowed lateness.
// Afterwards every bar stream holds exactly the final bars of an uninterrupted offline TimeBarAggregator
// over the same trades, each once.
jest.setTimeout(150_000);

const INSTRUMENTS: InstrumentRef[] = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'].map((symbol) => ({
  venue: 'binance',
  symbol,
}));
const TRADES_PER_INSTRUMENT = 250_000;
const PARTS = 6; // one part of the trades per process lifetime
const ROUND = 5000; // trades per instrument and publishing round

let ctx: RedisTestContext;
let redis: Redis;
let config: ReturnType<typeof aggregatorConfigFile>;
beforeAll(() => {
  ctx = redisTestContext('tlaggcrash');
  redis = ctx.redis;
  config = aggregatorConfigFile();
});
afterAll(async () => {
  config.remove();
  await ctx.cleanup();
});

test('SIGKILLed five times mid-batch, the aggregator publishes exactly the uninterrupted final bars, once each', async () => {
  const keys = streamKeys(ctx.prefix);
  const ticks = INSTRUMENTS.map((i) => keys.ticks(i));
  const trades = INSTRUMENTS.map((i, n) => generateTrades(i, TRADES_PER_INSTRUMENT, 4242 + n));
  for (const list of trades) expectDuplicatesAndReordering(list, 1000);
  const publisher = new StreamPublisher(testRedisClient(), { maxRecordsPerEntry: 50 });
  const rounds = Math.ceil(TRADES_PER_INSTRUMENT / ROUND);
  const start = () => startAggregator(ctx.prefix, INSTRUMENTS, config.path);

  /** Publishes part `part` of `PARTS` of every instrument's trades, in order, a round at a time. */
  const publishPart = async (part: number): Promise<void> => {
    const from = Math.floor((rounds * part) / PARTS);
    const to = Math.floor((rounds * (part + 1)) / PARTS);
    for (let round = from; round < to; round++) {
      await Promise.all(
        INSTRUMENTS.map((_, n) =>
          publisher.publishMany(ticks[n]!, trades[n]!.slice(round * ROUND, (round + 1) * ROUND)),
        ),
      );
      await publisher.flush();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const entriesRead = () => groupTotal(redis, ticks, 'entries-read');
  const pending = () => groupTotal(redis, ticks, 'pending');

  let aggregator: TsChild = start();
  let killedWithWorkPending = 0;
  const committedAtKill: number[] = []; // tick entries committed (read and acknowledged) at each kill
  let publishing = Promise.resolve();
  try {
    for (let kill = 0; kill < 5; kill++) {
      publishing = publishing.then(() => publishPart(kill));
      // Kill only once this process is consuming (the group moved on since it started), a random moment of up
      // to 300 ms later: mostly while a batch is read and not yet committed.
      const before = await entriesRead();
      await waitFor(async () => (await entriesRead()) > before, { timeoutMs: 30_000, intervalMs: 5 }).catch(
        (error: unknown) => {
          throw new Error(`kill ${kill}: ${String(error)}\n${aggregator.stderr().slice(-3000)}`);
        },
      );
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      aggregator.child.kill('SIGKILL');
      await aggregator.exited;
      const left = await pending();
      if (left > 0) killedWithWorkPending++;
      committedAtKill.push((await entriesRead()) - left);
      aggregator = start();
    }
    await publishing.then(() => publishPart(PARTS - 1));
    await publisher.close();
    await waitFor(
      async () => {
        const lags = await Promise.all(ticks.map((k) => groupTotal(redis, [k], 'lag')));
        return (await pending()) === 0 && lags.every((lag) => lag === 0);
      },
      { timeoutMs: 90_000, intervalMs: 100, what: 'the aggregator to consume every tick' },
    );
    aggregator.child.kill('SIGTERM');
    expect((await aggregator.exited).code).toBe(0);
  } finally {
    aggregator.child.kill('SIGKILL');
  }

  let finals = 0;
  for (const [n, instrument] of INSTRUMENTS.entries()) {
    finals += await expectOfflineBars(redis, keys, instrument, trades[n] as Trade[]);
  }
  expect(finals).toBeGreaterThan(1000);
  expect(await redis.xlen(keys.dlq('aggregator'))).toBe(0);
  expect(killedWithWorkPending).toBeGreaterThanOrEqual(3); // most kills hit a batch between read and commit
  // Processes lived long enough to commit: later ones resumed from a checkpoint, not from the stream's start.
  expect(committedAtKill[committedAtKill.length - 1]).toBeGreaterThan(committedAtKill[0] ?? 0);
  // Each process read under a name of its own; the names of dead ones are removed once nothing is pending.
  for (const key of ticks)
    expect(((await redis.xinfo('CONSUMERS', key, 'aggregator')) as unknown[]).length).toBeLessThanOrEqual(2);
});
