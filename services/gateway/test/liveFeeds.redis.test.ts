import { EventEmitter } from 'node:events';
import { createClient } from '@tickline/client';
import { createMetricsRegistry } from '@tickline/runtime';
import { redisTestContext } from '@tickline/testkit';
import WebSocket from 'ws';
import { series } from '../../../packages/storage/test/bars';
import { createGatewayMetrics } from '../src/gatewayMetrics';
import { LiveFeeds } from '../src/stream/liveFeeds';
import { SLOW_CONSUMER_CLOSE, StreamSession } from '../src/stream/streamSession';
import { READ_TOKEN, startTestGateway, type TestGateway } from './gatewayHarness';
import { openStream, publishBars, type StreamClient } from './streamClient';

const ctx = redisTestContext('tlgwfeed');
let gw: TestGateway;
const T0 = Date.UTC(2024, 5, 1);
const open: StreamClient[] = [];

beforeAll(async () => {
  gw = await startTestGateway(ctx.prefix, {}, { limits: { pingIntervalMs: 60_000 } });
});
afterAll(async () => {
  for (const client of open) client.ws.terminate();
  await gw.close();
  await ctx.cleanup();
});

/** A connection with one live subscription to BTCUSDT 1m; records the raw text of each bar frame too. */
async function subscriber(id: string): Promise<StreamClient & { raw: string[] }> {
  const client = await openStream(gw.url, { token: READ_TOKEN });
  open.push(client);
  const raw: string[] = [];
  client.ws.on('message', (data: Buffer) => {
    const text = data.toString();
    if (text.startsWith('{"type":"bar"')) raw.push(text);
  });
  client.send({ op: 'subscribe', id, channel: 'bars', instrument: 'binance:BTCUSDT', timeframe: '1m' });
  await client.waitFrames((f) => f.type === 'subscribed');
  return Object.assign(client, { raw });
}

const bars = (client: StreamClient) => client.frames.filter((f) => f.type === 'bar');

test('live subscriptions share one reader: the same frames to each; a late joiner gets a revision of a bar it never saw as a bar', async () => {
  const history = series(7, { from: T0 });
  const a = await subscriber('x');
  const b = await subscriber('x');
  await new Promise((resolve) => setTimeout(resolve, 200)); // the shared reader has read the stream's end
  await publishBars(ctx.redis, ctx.prefix, history.slice(0, 5));
  await a.waitFrames((f) => f.type === 'bar', 5);
  await b.waitFrames((f) => f.type === 'bar', 5);
  expect(a.raw).toEqual(b.raw);
  expect(bars(a).map((f) => [f.kind, f.origin, f.bar!.start])).toEqual(
    history.slice(0, 5).map((bar) => ['bar', 'live', new Date(bar.start).toISOString()]),
  );

  const late = await subscriber('y');
  const revised = { ...history[2]!, revision: 1, close: history[2]!.close + 1 };
  await publishBars(ctx.redis, ctx.prefix, [revised, history[5]!]);
  await a.waitFrames((f) => f.type === 'bar', 7);
  expect(
    bars(a)
      .slice(5)
      .map((f) => [f.kind, f.bar!.revision]),
  ).toEqual([
    ['revision', 1],
    ['bar', 0],
  ]);
  // Its own reader would have started after bar 2 was delivered: the revision is its first sight of it.
  const lateBars = await late.waitFrames((f) => f.type === 'bar', 2);
  expect(lateBars.map((f) => [f.kind, f.bar!.start, f.bar!.revision])).toEqual([
    ['bar', new Date(revised.start).toISOString(), 1],
    ['bar', new Date(history[5]!.start).toISOString(), 0],
  ]);

  // One subscriber leaving does not stop the reader for the others.
  a.send({ op: 'unsubscribe', id: 'x' });
  await a.waitFrames((f) => f.type === 'unsubscribed');
  await publishBars(ctx.redis, ctx.prefix, [history[6]!]);
  await b.waitFrames((f) => f.type === 'bar', 8);
  await late.waitFrames((f) => f.type === 'bar', 3);
  expect(bars(a)).toHaveLength(7);
}, 30_000);

test('one feed per instrument and timeframe while it has subscribers, a fresh one after the last leaves', async () => {
  const client = createClient({ prefix: ctx.prefix, blockMs: 100 });
  const feeds = new LiveFeeds(client, 100);
  try {
    const feed = feeds.barFeed('binance:BTCUSDT', '1m');
    const first = feed.events.subscribe();
    const second = feeds.barFeed('binance:BTCUSDT', '1m').events.subscribe();
    expect(feeds.barFeed('binance:BTCUSDT', '1m')).toBe(feed);
    const other = feeds.barFeed('binance:BTCUSDT', '5m');
    expect(other).not.toBe(feed);
    other.events.subscribe().unsubscribe();
    first.unsubscribe();
    expect(feeds.barFeed('binance:BTCUSDT', '1m')).toBe(feed);
    second.unsubscribe();
    const fresh = feeds.barFeed('binance:BTCUSDT', '1m');
    expect(fresh).not.toBe(feed);
    fresh.events.subscribe().unsubscribe();

    const ticks = feeds.tickFeed('binance:BTCUSDT');
    const tickSub = ticks.subscribe();
    expect(feeds.tickFeed('binance:BTCUSDT')).toBe(ticks);
    tickSub.unsubscribe();
    expect(feeds.tickFeed('binance:BTCUSDT')).not.toBe(ticks);
    feeds.tickFeed('binance:BTCUSDT').subscribe().unsubscribe();

    expect(() => feeds.barFeed('BTCUSDT', '1m')).toThrow();
    expect(() => feeds.barFeed('binance:BTCUSDT', '7m')).toThrow();
  } finally {
    await client.close();
  }
});

test('a subscription whose acknowledgement overflows the queue (the session closes) does not keep its feed running', async () => {
  const client = createClient({ prefix: ctx.prefix, blockMs: 100 });
  const feeds = new LiveFeeds(client, 100);
  // A socket that never drains: every frame waits in the session's queue, which holds one.
  const closes: number[] = [];
  const socket = Object.assign(new EventEmitter(), {
    readyState: WebSocket.OPEN,
    bufferedAmount: Number.MAX_SAFE_INTEGER,
    send: () => undefined,
    close: (code: number) => void closes.push(code),
    terminate: () => undefined,
    ping: () => undefined,
  });
  const session = new StreamSession(socket as unknown as WebSocket, {
    client,
    feeds,
    metrics: createGatewayMetrics(createMetricsRegistry()),
    maxSubscriptions: 5,
    maxRedisConnections: 128,
    maxQueuedFrames: 1,
    highWaterBytes: 1,
    scrub: (text) => text,
    closeGraceMs: 60_000,
  });
  try {
    const subscribe = (id: string, timeframe: string) =>
      socket.emit(
        'message',
        Buffer.from(
          JSON.stringify({ op: 'subscribe', id, channel: 'bars', instrument: 'binance:BTCUSDT', timeframe }),
        ),
        false,
      );
    subscribe('a', '1m'); // its acknowledgement fills the queue
    const feed = feeds.barFeed('binance:BTCUSDT', '5m');
    subscribe('b', '5m'); // its acknowledgement overflows: slow consumer
    expect(closes).toEqual([SLOW_CONSUMER_CLOSE]);
    expect(session.subscriptionCount).toBe(0);
    expect(feeds.barFeed('binance:BTCUSDT', '5m')).not.toBe(feed); // the 5m feed was stopped
    feeds.barFeed('binance:BTCUSDT', '5m').events.subscribe().unsubscribe();
  } finally {
    await client.close();
  }
});
