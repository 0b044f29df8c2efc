import { createRedis, StreamPublisher, streamKeys, type StreamPublisherOptions } from '@tickline/bus';
import {
  FaultProxy,
  RedisServer,
  redisTestContext,
  redisUrl,
  testRedisClient,
  waitFor,
  type RedisTestContext,
} from '@tickline/testkit';
import { ledger, storedSequence } from './publisherHelpers';

const record = (seq: number) => ({
  venue: 'binance',
  symbol: 'BTCUSDT',
  ts: seq,
  price: 1 + seq,
  size: 1,
  seq,
});

/** Publishes 0..n-1 in order, calling `midway` once `at` records are acknowledged (without stopping). */
async function publishAll(
  publisher: StreamPublisher,
  key: string,
  n: number,
  at: number,
  midway: () => Promise<void>,
) {
  let fired: Promise<void> | undefined;
  for (let seq = 0; seq < n; seq++) {
    await publisher.publish(key, record(seq));
    if (!fired && publisher.stats.records >= at) fired = midway();
  }
  if (!fired) throw new Error(`the fault was never injected: only ${publisher.stats.records} acknowledged`);
  await fired;
  await publisher.flush();
}

function sharedRedis(): { host: string; port: number } {
  const url = new URL(redisUrl());
  return { host: url.hostname, port: Number(url.port || 6379) };
}

function faultyPublisher(url: string, extra: StreamPublisherOptions = {}) {
  const redis = createRedis({
    url,
    commandTimeoutMs: 300,
    retryBaseMs: 20,
    retryMaxMs: 200,
    maxRetriesPerRequest: null,
  });
  return new StreamPublisher(redis, {
    maxRecordsPerEntry: 64,
    maxBufferedRecords: 2_048, // the producer waits for acks, so faults hit mid-publish
    retryBaseMs: 20,
    retryMaxMs: 200,
    trim: { mode: 'none' },
    ...extra,
  });
}

describe('StreamPublisher under faults (lost replies, stalls, restarts)', () => {
  let ctx: RedisTestContext;
  beforeEach(() => {
    ctx = redisTestContext('tlpubfault');
  });
  afterEach(async () => {
    await ctx.cleanup();
  });

  // halfStall: Redis stores the entries, the replies are lost, the re-sends must be refused as stored.
  // stall: bytes are held both ways, then delivered late, after the publisher timed out and re-sent.
  test.each(['halfStall', 'stall', 'cut'] as const)(
    'FaultProxy %s mid-publish: commands time out, re-sends land once',
    async (fault) => {
      const proxy = await FaultProxy.start(sharedRedis());
      const key = streamKeys(ctx.prefix).ticks({ venue: 'binance', symbol: 'BTCUSDT' });
      const publisher = faultyPublisher(proxy.url);
      try {
        await publishAll(publisher, key, 20_000, 4_000, async () => {
          proxy[fault]();
          await waitFor(() => publisher.stats.failedRoundTrips > 0, { what: 'a failed round trip' });
          proxy.pass();
        });
        expect(publisher.stats.resent).toBeGreaterThan(0);
        if (fault === 'halfStall') expect(publisher.stats.alreadyStored).toBeGreaterThan(0);
        expect(ledger(await storedSequence(ctx.redis, key), 20_000)).toEqual({ duplicates: 0, missing: 0 });
      } finally {
        await publisher.close();
        await proxy.close();
      }
    },
  );
});

describe('StreamPublisher against a test-owned redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.destroy();
  });

  test('paused server: commands time out, then the publisher re-sends; no duplicates', async () => {
    const key = 'tl:ticks:{binance:PAUSE}';
    const publisher = faultyPublisher(server.url);
    const check = testRedisClient(server.url, { maxRetriesPerRequest: 50 });
    try {
      await publishAll(publisher, key, 10_000, 2_000, async () => {
        server.pause();
        await waitFor(() => publisher.stats.failedRoundTrips > 1, { what: 'timed-out round trips' });
        server.resume();
      });
      expect(ledger(await storedSequence(check, key), 10_000)).toEqual({ duplicates: 0, missing: 0 });
    } finally {
      server.resume();
      await publisher.close();
      check.disconnect();
    }
  });

  test('Redis restart (kill -9, AOF) mid-publish of 100k records: nothing lost, nothing duplicated', async () => {
    const key = 'tl:ticks:{binance:RESTART}';
    const publisher = faultyPublisher(server.url, { maxRecordsPerEntry: 256 });
    const check = testRedisClient(server.url, { maxRetriesPerRequest: 50 });
    try {
      await publishAll(publisher, key, 100_000, 30_000, () => server.restart());
      expect(publisher.stats.records).toBe(100_000);
      expect(ledger(await storedSequence(check, key), 100_000)).toEqual({ duplicates: 0, missing: 0 });
    } finally {
      await publisher.close();
      check.disconnect();
    }
  });

  test('backpressure: publishing faster than a paused Redis never buffers more than the bound', async () => {
    const key = 'tl:ticks:{binance:BOUND}';
    const bound = 1_000;
    const publisher = faultyPublisher(server.url, { maxBufferedRecords: bound });
    const check = testRedisClient(server.url, { maxRetriesPerRequest: 50 });
    let produced = 0;
    let maxBuffered = 0;
    const producer = (async () => {
      for (let seq = 0; seq < 5_000; seq++) {
        await publisher.publish(key, record(seq));
        produced++;
        maxBuffered = Math.max(maxBuffered, publisher.buffered);
      }
    })();
    try {
      server.pause();
      // A flush timed out, or (paused before the client connected) nothing could be sent at all.
      await waitFor(() => publisher.failingSince !== undefined, {
        what: 'the paused server to fail a flush',
      });
      // The producer is held: it cannot get more than the bound ahead of what Redis acknowledged.
      expect(produced - publisher.stats.records).toBeLessThanOrEqual(bound);
      server.resume();
      await producer;
      await publisher.flush();
      expect(maxBuffered).toBeLessThanOrEqual(bound);
      expect(maxBuffered).toBeGreaterThan(0);
      expect(ledger(await storedSequence(check, key), 5_000)).toEqual({ duplicates: 0, missing: 0 });
    } finally {
      server.resume();
      await publisher.close();
      check.disconnect();
    }
  });
});
