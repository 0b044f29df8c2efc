import { redisTestContext, waitFor } from '@tickline/testkit';
import { series } from '../../../packages/storage/test/bars';
import { SLOW_CONSUMER_CLOSE } from '../src';
import { READ_TOKEN, startTestGateway, type TestGateway } from './gatewayHarness';
import { openStream, publishBars } from './streamClient';

// Gateways with tight limits, one per test: a slow consumer and a dead client.
const ctx = redisTestContext('tlgwlim');
let gw: TestGateway | undefined;

afterEach(async () => {
  await gw?.close();
  gw = undefined;
});
afterAll(() => ctx.cleanup());

test('a client that stops reading is cut off with a close frame saying why; its queue never passes the bound', async () => {
  const maxQueuedFrames = 50;
  gw = await startTestGateway(
    ctx.prefix,
    {},
    { limits: { maxQueuedFrames, highWaterBytes: 16_384, pingIntervalMs: 60_000 } },
  );
  // More than the loopback socket buffers hold, so the gateway's own queue has to fill.
  const total = 40_000;
  await publishBars(ctx.redis, ctx.prefix, series(total, { from: Date.UTC(2023, 0, 1) }));
  const client = await openStream(gw.url, { token: READ_TOKEN });
  client.send({
    op: 'subscribe',
    id: 's',
    channel: 'bars',
    instrument: 'binance:BTCUSDT',
    timeframe: '1m',
    from: 0,
    source: 'stream',
  });
  await client.waitFrames((f) => f.type === 'bar', 1);
  client.ws.pause(); // reads nothing more: the socket buffers fill, then the gateway queue

  const sessions = gw.gateway.streams.sessions;
  let largest = 0;
  await waitFor(
    async () => {
      for (const session of sessions) largest = Math.max(largest, session.queued);
      const metrics = await (await fetch(`${gw!.url}/metrics`)).text();
      return /tickline_gateway_ws_slow_consumer_closes_total 1/.test(metrics);
    },
    { timeoutMs: 30_000, intervalMs: 5, what: 'the slow-consumer close' },
  );
  expect(largest).toBeLessThanOrEqual(maxQueuedFrames);
  expect([...sessions].every((s) => s.queued === 0)).toBe(true);

  client.ws.resume();
  const closed = await client.closed;
  expect(closed.code).toBe(SLOW_CONSUMER_CLOSE);
  expect(closed.reason).toMatch(/^slow consumer: over 50 frames queued/);
  // What arrived is an unbroken prefix: nothing in it was dropped silently, the rest never sent.
  const starts = client.frames.filter((f) => f.type === 'bar').map((f) => Date.parse(f.bar!.start));
  expect(starts.length).toBeLessThan(total);
  expect(starts).toEqual(starts.map((_, i) => Date.UTC(2023, 0, 1) + i * 60_000));
}, 60_000);

test('a client that stops answering pings is ended', async () => {
  gw = await startTestGateway(ctx.prefix, {}, { limits: { pingIntervalMs: 150 } });
  const dead = await openStream(gw.url, { token: READ_TOKEN, autoPong: false });
  const alive = await openStream(gw.url, { token: READ_TOKEN });
  const closed = await dead.closed;
  expect(closed.code).toBe(1006); // terminated: no close handshake with a dead peer
  expect(alive.ws.readyState).toBe(alive.ws.OPEN);
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  expect(metrics).toMatch(/tickline_gateway_ws_dead_clients_total 1/);
  alive.ws.terminate();
});
