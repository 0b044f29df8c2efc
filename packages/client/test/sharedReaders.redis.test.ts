import { waitFor } from '@tickline/testkit';
import type Redis from 'ioredis';
import { createClient, type BarEvent, type TicklineClient } from '../src';
import { barSeries, cacheWrite, gather, INSTRUMENT, T0, useBarFixture } from './clientHarness';

// Subscriptions of one stream share one blocking reader: each catches up without blocking, then takes the
// reader's entries. Joining while bars are being published must still give each subscriber every bar once.
const fixture = useBarFixture();
let client: TicklineClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** Connections Redis holds under `name` (CLIENT LIST). */
async function connectionsNamed(redis: Redis, name: string): Promise<number> {
  const lines = String(await redis.client('LIST')).split('\n');
  return lines.filter((line) => line.includes(` name=${name} `)).length;
}

const starts = (events: readonly BarEvent[]) => events.map((e) => e.bar.start);

test('twelve subscriptions joining while bars arrive: each gets every bar once, in order, over two connections', async () => {
  const { context, producer, cache } = fixture.current();
  const name = `${context.prefix}-shared`;
  const bars = barSeries(600);
  await cacheWrite(cache.root)(bars.slice(0, 100));
  await producer.publish(bars.slice(0, 150));
  client = createClient({ prefix: context.prefix, cacheDir: cache.root, blockMs: 200, redis: { name } });
  const subscribers: ReturnType<typeof gather<BarEvent>>[] = [];
  const live: ReturnType<typeof gather<BarEvent>>[] = [];
  const trickle = producer.trickle(bars.slice(150), 5, 2);
  for (let i = 0; i < 6; i++) {
    subscribers.push(gather(client.bars(INSTRUMENT, '1m', { from: T0, source: i % 2 ? 'stream' : 'cache' })));
    live.push(gather(client.bars(INSTRUMENT, '1m')));
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  await trickle;
  const all = bars.map((b) => b.start);
  await waitFor(() => subscribers.every((s) => s.values.length >= all.length), {
    timeoutMs: 20_000,
    what: 'every bar at every subscriber',
  });
  expect(await connectionsNamed(context.redis, name)).toBe(2);
  for (const subscriber of subscribers) {
    expect(subscriber.errors).toEqual([]);
    expect(starts(subscriber.values)).toEqual(all);
  }
  for (const subscriber of live) {
    // Live only: a contiguous run of bars up to the last one, from wherever the stream ended at subscription.
    const got = starts(subscriber.values);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(all.slice(all.length - got.length));
  }
  [...subscribers, ...live].forEach((s) => s.stop());
  await waitFor(async () => (await connectionsNamed(context.redis, name)) === 1, {
    timeoutMs: 5000,
    what: 'the reader to stop with its last subscriber',
  });
  expect(client.redisConnections).toBe(1);
});

test('maxReaders: a subscription needing one reader more fails at once; a stopped reader frees its place', async () => {
  const { context } = fixture.current();
  client = createClient({ prefix: context.prefix, blockMs: 100, maxReaders: 1 });
  const first = gather(client.bars(INSTRUMENT, '1m'));
  const same = gather(client.bars(INSTRUMENT, '1m', { partial: true }));
  const other = gather(client.bars(INSTRUMENT, '5m'));
  expect(first.errors).toEqual([]);
  expect(same.errors).toEqual([]);
  expect(other.errors).toEqual([
    expect.objectContaining({
      code: 'TOO_MANY_READERS',
      message: expect.stringMatching(/all 1 stream reader/),
    }),
  ]);
  first.stop();
  same.stop();
  await waitFor(() => client!.redisConnections === 1, { timeoutMs: 5000, what: 'the 1m reader to stop' });
  const later = gather(client.bars(INSTRUMENT, '5m'));
  expect(later.errors).toEqual([]);
  later.stop();
});
