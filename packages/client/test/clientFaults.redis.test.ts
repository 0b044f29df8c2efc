import { FaultProxy, redisUrl, waitFor, type RedisTestContext } from '@tickline/testkit';
import { createClient, type BarEvent, type TicklineClient } from '../src';
import {
  useBarFixture,
  type BarProducer,
  barSeries,
  barView,
  capturingLogger,
  gather,
  INSTRUMENT,
  sinkDrained,
  STEP,
  T0,
} from './clientHarness';

const fixture = useBarFixture();
let proxy: FaultProxy;
let logger: ReturnType<typeof capturingLogger>;
let client: TicklineClient;
let context: RedisTestContext;
let key: string;
let producer: BarProducer;

beforeEach(async () => {
  ({ context, key, producer } = fixture.current());
  proxy = await FaultProxy.start({ port: Number(new URL(redisUrl()).port || 6379) });
  logger = capturingLogger();
  // Through the proxy: commands time out after blockMs + 300 ms, and a silent socket is dropped as soon.
  client = createClient({
    prefix: context.prefix,
    cacheDir: fixture.current().cache.root,
    redis: { url: proxy.url, commandTimeoutMs: 300 },
    blockMs: 200,
    retryBaseMs: 20,
    retryMaxMs: 200,
    logger,
  });
});
afterEach(async () => {
  await client.close();
  await proxy.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const atLeast = (events: BarEvent[], count: number) =>
  waitFor(() => events.length >= count, { timeoutMs: 20_000, what: `${count} bars at the client` });

async function lastBarArrives(events: BarEvent[], start: number): Promise<void> {
  await waitFor(() => events.some((e) => e.bar.start === start), { timeoutMs: 20_000, what: 'the last bar' });
  await sleep(400); // two XREAD blocks more: a repeat would show up
}

describe('bars() through Redis faults', () => {
  it('survives cut connections and lost replies mid-stream without losing or repeating a bar', async () => {
    const bars = barSeries(900);
    await producer.publish(bars.slice(0, 100));
    await sinkDrained(context.redis, key);
    const received = gather(client.bars(INSTRUMENT, '1m', { from: T0 + 50 * STEP }));
    const producing = producer.trickle(bars.slice(100), 5, 4);
    await atLeast(received.values, 150);
    proxy.cut(); // connections dropped, reconnects refused
    await sleep(700);
    proxy.pass();
    await atLeast(received.values, 350);
    proxy.halfStall(); // requests reach Redis, replies are lost: reads served but never answered
    await sleep(1200);
    proxy.pass();
    await producing;
    await lastBarArrives(received.values, bars[bars.length - 1]!.start);
    expect(received.stop().map((e) => barView(e.bar))).toEqual(bars.slice(50).map(barView));
    expect(received.errors).toEqual([]);
    expect(logger.lines.some((line) => line.startsWith('client: XREAD'))).toBe(true);
    expect(proxy.connections).toBeGreaterThanOrEqual(3); // the first, then one after each fault
  });

  it('fills entries trimmed while it was cut off from the store, without a repeat', async () => {
    const bars = barSeries(300);
    await producer.publish(bars.slice(0, 100));
    const received = gather(client.bars(INSTRUMENT, '1m', { from: T0 }));
    await atLeast(received.values, 100);
    proxy.cut();
    await producer.trickle(bars.slice(100, 250), 10, 1);
    await sinkDrained(context.redis, key);
    await producer.publisher.trimNow(); // below the sink group: the client's unread entries go
    expect(await context.redis.xlen(key)).toBe(0);
    proxy.pass();
    await producer.publish(bars.slice(250));
    await lastBarArrives(received.values, bars[bars.length - 1]!.start);
    const events = received.stop();
    expect(events.map((e) => barView(e.bar))).toEqual(bars.map(barView));
    // the trimmed ones came from the cache
    expect(events.slice(100, 250).every((e) => e.origin === 'history')).toBe(true);
    expect(logger.lines).toContain(
      'client: entries trimmed before they were read; filling them from the store',
    );
  });
});
