import { writeCachedBars } from '@tickline/storage';
import { redisTestContext } from '@tickline/testkit';
import { series } from '../../../packages/storage/test/bars';
import { READ_TOKEN, startTestGateway, type TestGateway } from './gatewayHarness';
import { openStream, publishBars, type ServerFrame } from './streamClient';

const ctx = redisTestContext('tlgwres');
const T0 = Date.UTC(2024, 6, 1);
const gateways: TestGateway[] = [];

afterAll(async () => {
  for (const gw of gateways) await gw.close().catch(() => undefined);
  await ctx.cleanup();
});

const subscribe = (from: number | string) => ({
  op: 'subscribe',
  id: 'b',
  channel: 'bars',
  instrument: 'binance:BTCUSDT',
  timeframe: '1m',
  from,
  source: 'cache',
});

test('a client that resubscribes from its last bar after a gateway restart holds every bar once, in order', async () => {
  const bars = series(200, { from: T0 });
  const first = await startTestGateway(ctx.prefix);
  gateways.push(first);
  await writeCachedBars(first.cacheDir, bars.slice(0, 50));
  await publishBars(ctx.redis, ctx.prefix, bars.slice(40, 100));
  const before = await openStream(first.url, { token: READ_TOKEN });
  before.send(subscribe(T0));
  await before.waitFrames((f) => f.type === 'bar', 100);

  // The gateway goes away mid-session; bars keep flowing meanwhile.
  await first.close();
  const gone = await before.closed;
  expect(gone.code).toBe(1001);
  await publishBars(ctx.redis, ctx.prefix, bars.slice(100, 150));

  const second = await startTestGateway(ctx.prefix);
  gateways.push(second);
  await writeCachedBars(second.cacheDir, bars.slice(0, 120)); // the sink stored more meanwhile
  const received = before.frames.filter((f) => f.type === 'bar');
  const last = received[received.length - 1]!.bar!.start;
  const after = await openStream(second.url, { token: READ_TOKEN });
  after.send(subscribe(last));
  await after.waitFrames((f) => f.type === 'bar', 50);
  await publishBars(ctx.redis, ctx.prefix, bars.slice(150, 200));
  await after.waitFrames((f) => f.type === 'bar', 101);

  const resumed = after.frames.filter((f) => f.type === 'bar');
  expect(resumed[0]!.bar!.start).toBe(last); // the documented repeat of the last bar
  const held = new Map<string, ServerFrame>();
  for (const frame of [...received, ...resumed]) held.set(frame.bar!.start, frame);
  const starts = [...held.keys()].map((start) => Date.parse(start));
  expect(starts).toEqual(bars.map((bar) => bar.start));
  expect([...received, ...resumed].length).toBe(201);
  after.ws.terminate();
}, 30_000);
