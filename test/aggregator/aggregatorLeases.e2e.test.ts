import type Redis from 'ioredis';
import { leaseKey, StreamPublisher, streamKeys } from '@tickline/bus';
import type { InstrumentRef } from '@tickline/core';
import {
  redisTestContext,
  testRedisClient,
  waitFor,
  type RedisTestContext,
  type TsChild,
} from '@tickline/testkit';
import {
  aggregatorConfigFile,
  expectOfflineBars,
  generateTrades,
  groupTotal,
  startAggregator,
} from './aggregatorFixtures';

// Two aggregator processes share 20 instruments through leases; one is SIGKILLed while trades flow. The
// other takes its instruments over once their leases run out, and every bar of every instrument arrives,
// none twice: the bar streams equal an uninterrupted offline aggregator's final bars.
jest.setTimeout(120_000);

const INSTRUMENTS: InstrumentRef[] = Array.from({ length: 20 }, (_, i) => ({
  venue: 'binance',
  symbol: `L${i}USDT`,
}));
const TRADES_PER_INSTRUMENT = 5000;

let ctx: RedisTestContext;
let redis: Redis;
let config: ReturnType<typeof aggregatorConfigFile>;
beforeAll(() => {
  ctx = redisTestContext('tlagglease');
  redis = ctx.redis;
  config = aggregatorConfigFile();
});
afterAll(async () => {
  config.remove();
  await ctx.cleanup();
});

/** How many instruments each process holds the lease of, by pid. */
async function holders(): Promise<Map<number, number>> {
  const values = await redis.mget(INSTRUMENTS.map((i) => leaseKey(ctx.prefix, 'aggregator', i)));
  const counts = new Map<number, number>();
  for (const value of values) {
    const pid = Number(value?.slice(value.lastIndexOf('/') + 1));
    if (value) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return counts;
}

test('two instances share 20 instruments; one is killed; every bar still arrives, none twice', async () => {
  const keys = streamKeys(ctx.prefix);
  const ticks = INSTRUMENTS.map((i) => keys.ticks(i));
  const trades = INSTRUMENTS.map((i, n) => generateTrades(i, TRADES_PER_INSTRUMENT, 7000 + n, 2500));
  const publisher = new StreamPublisher(testRedisClient(), { maxRecordsPerEntry: 20 });
  const publish = async (from: number, to: number): Promise<void> => {
    for (let at = from; at < to; at += 250) {
      await Promise.all(
        ticks.map((tick, n) => publisher.publishMany(tick, trades[n]!.slice(at, Math.min(to, at + 250)))),
      );
      await publisher.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const a = startAggregator(ctx.prefix, INSTRUMENTS, config.path);
  const b = startAggregator(ctx.prefix, INSTRUMENTS, config.path);
  const children: TsChild[] = [a, b];
  try {
    await waitFor(
      async () => {
        const held = await holders();
        return held.get(a.child.pid!) === 10 && held.get(b.child.pid!) === 10;
      },
      { timeoutMs: 30_000, what: 'a 10/10 split of the leases' },
    );
    await publish(0, TRADES_PER_INSTRUMENT / 2);
    const [victim, survivor] = Math.random() < 0.5 ? [a, b] : [b, a];
    const rest = publish(TRADES_PER_INSTRUMENT / 2, TRADES_PER_INSTRUMENT);
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300)); // mid-stream
    victim.child.kill('SIGKILL');
    await victim.exited;
    await rest;
    await publisher.close();
    await waitFor(async () => (await holders()).get(survivor.child.pid!) === 20, {
      timeoutMs: 30_000,
      what: 'the survivor holding every lease',
    });
    await waitFor(
      async () =>
        (await groupTotal(redis, ticks, 'pending')) === 0 && (await groupTotal(redis, ticks, 'lag')) === 0,
      { timeoutMs: 60_000, intervalMs: 100, what: 'every tick consumed' },
    );
    survivor.child.kill('SIGTERM');
    expect((await survivor.exited).code).toBe(0);
    expect(await holders()).toEqual(new Map()); // released on the graceful stop
  } finally {
    for (const child of children) child.child.kill('SIGKILL');
  }
  for (const [n, instrument] of INSTRUMENTS.entries()) {
    await expectOfflineBars(redis, keys, instrument, trades[n]!);
  }
  expect(await redis.xlen(keys.dlq('aggregator'))).toBe(0);
});
