import { RedisServer, testRedisClient, uniquePrefix, waitFor } from '@tickline/testkit';
import { createClient } from '../src';
import {
  BarProducer,
  barKey,
  barSeries,
  barView,
  cacheWrite,
  capturingLogger,
  gather,
  INSTRUMENT,
  sinkDrained,
  startSink,
  STEP,
  T0,
} from './clientHarness';
import { tempRoot } from '../../storage/test/tempRoot';

// A redis-server of this test's own (append-only, fsync always), SIGKILLed and restarted mid-stream.
let server: RedisServer;
let cache: ReturnType<typeof tempRoot>;
beforeAll(async () => {
  server = await RedisServer.start();
  cache = tempRoot();
});
afterAll(async () => {
  await server.destroy();
  cache.remove();
});

test('bars() survives a Redis crash and restart mid-stream without losing or repeating a bar', async () => {
  const prefix = uniquePrefix('tlclient');
  const key = barKey(prefix);
  const redis = testRedisClient(server.url, { maxRetriesPerRequest: null });
  const producer = new BarProducer(redis, key);
  const sink = await startSink(key, cacheWrite(cache.root), 0, server.url);
  const logger = capturingLogger();
  const client = createClient({
    prefix,
    cacheDir: cache.root,
    redis: { url: server.url, commandTimeoutMs: 500 },
    blockMs: 200,
    retryBaseMs: 50,
    retryMaxMs: 300,
    logger,
  });
  const bars = barSeries(600);
  try {
    await producer.publish(bars.slice(0, 100));
    await sinkDrained(redis, key);
    const received = gather(client.bars(INSTRUMENT, '1m', { from: T0 + 20 * STEP }));
    const producing = producer.trickle(bars.slice(100), 5, 5);
    await waitFor(() => received.values.length >= 200, { what: '200 bars at the client' });
    await server.restart('SIGKILL');
    await producing; // the publisher re-sends what Redis did not acknowledge, refused if already stored
    const last = bars[bars.length - 1]!.start;
    await waitFor(() => received.values.some((e) => e.bar.start === last), {
      timeoutMs: 30_000,
      what: 'the last bar at the client',
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(received.stop().map((e) => barView(e.bar))).toEqual(bars.slice(20).map(barView));
    expect(received.errors).toEqual([]);
    // the client's connection did go down (reads then failed, or waited in ioredis' queue for the restart)
    expect(logger.lines).toContain('redis connection error');
  } finally {
    await client.close();
    await sink.stop();
    await producer.close();
    redis.disconnect();
  }
}, 60_000);
