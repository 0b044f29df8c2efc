import { msgpackCodec, streamKeys } from '@tickline/bus';
import { redisTestContext, waitFor } from '@tickline/testkit';
import { series } from '../../../../packages/storage/test/bars';
import { READ_TOKEN, startTestGateway, type TestGateway } from '../gatewayHarness';
import { openStream, type StreamClient } from '../streamClient';
import { connectionsNamed, expectHealthy } from './connectionProbes';

// Issue 22, probe 5 (each feed and each `from` subscription held a Redis connection of its own) and the
// acceptance figures: subscriptions share one reader per stream, the gateway's Redis connections stay under
// gateway.maxRedisConnections, sockets under gateway.maxSockets, and what is beyond is refused clearly.
const ctx = redisTestContext('tlgwcap');
const T0 = Date.UTC(2024, 5, 3);
let gw: TestGateway | undefined;
const sockets: StreamClient[] = [];

afterEach(async () => {
  for (const client of sockets.splice(0)) client.ws.terminate();
  await gw?.close();
  gw = undefined;
});
afterAll(() => ctx.cleanup());

async function start(
  label: string,
  env: Record<string, string> = {},
): Promise<{ gw: TestGateway; name: string }> {
  const name = `${ctx.prefix}-${label}`;
  gw = await startTestGateway(`${ctx.prefix}-${label}`, env, { connectionName: name });
  return { gw, name };
}

/** `count` authenticated sockets, opened a batch at a time. */
async function openSockets(url: string, count: number): Promise<StreamClient[]> {
  const opened: StreamClient[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () =>
      openStream(url, { token: READ_TOKEN }),
    );
    opened.push(...(await Promise.all(batch)));
    sockets.push(...opened.slice(-batch.length));
  }
  return opened;
}

const answered = (client: StreamClient) =>
  client.frames.filter((f) => f.type === 'subscribed' || f.type === 'error');

/** Asks /healthz every 50 ms until stopped: each answer must be a 200 within a second. */
function watchHealth(url: string): { stop(): Promise<{ answered: number; failed: string[] }> } {
  let answered = 0;
  const failed: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const status = await fetch(`${url}/healthz`).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      const ms = performance.now() - started;
      if (status === 200 && ms < 1000) answered += 1;
      else failed.push(`${status} in ${Math.round(ms)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { answered, failed };
    },
  };
}

async function gatewayMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

test('probe 5: 50 sockets x 20 made-up instruments stay under the cap; the rest are refused at once, clearly', async () => {
  const { gw, name } = await start('probe5');
  const cap = gw.config.gateway.maxRedisConnections;
  const health = watchHealth(gw.url);
  const clients = await openSockets(gw.url, 50);
  // Each socket sends its 20 subscribes at once; all 20 answers must be back within a second.
  const slowest: number[] = [];
  for (const [s, client] of clients.entries()) {
    const started = performance.now();
    let last = started;
    const onMessage = () => (last = performance.now());
    client.ws.on('message', onMessage);
    for (let i = 0; i < 20; i++) {
      const instrument = `binance:FAKE${s}X${i}USDT`;
      client.send({ op: 'subscribe', id: `f${i}`, channel: 'bars', instrument, timeframe: '1m' });
    }
    await waitFor(() => answered(client).length === 20, { intervalMs: 5, what: `answers on socket ${s}` });
    client.ws.off('message', onMessage);
    slowest.push(last - started);
  }
  expect(Math.max(...slowest)).toBeLessThan(1000);
  const frames = clients.flatMap(answered);
  const refused = frames.filter((f) => f.type === 'error');
  expect(refused.length).toBeGreaterThanOrEqual(1000 - cap);
  for (const frame of refused) {
    expect(frame).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/gateway\.maxRedisConnections/),
    });
  }
  expect(frames.filter((f) => f.type === 'subscribed').length).toBeLessThanOrEqual(cap - 2);
  const held = await connectionsNamed(ctx.redis, name);
  expect(held).toBeLessThanOrEqual(cap);
  expect(held).toBeGreaterThan(cap / 2); // the probe did reach the cap
  expect(await gatewayMetric(gw.url, 'tickline_gateway_redis_connections')).toBe(held);
  expect(await gatewayMetric(gw.url, 'tickline_gateway_ws_subscriptions_refused_total')).toBe(refused.length);
  await expectHealthy(gw.url);
  expect(await health.stop()).toEqual({ answered: expect.any(Number), failed: [] });
  // Gone with the sockets: each reader stops with its last subscriber, within its XREAD's block time.
  for (const client of sockets.splice(0)) client.ws.terminate();
  await waitFor(async () => (await connectionsNamed(ctx.redis, name)) <= 2, {
    timeoutMs: 5000,
    what: 'the readers to close',
  });
  await expectHealthy(gw.url);
}, 60_000);

test('500 authenticated sockets with 20 subscriptions each (live and from) leave Redis below the configured cap', async () => {
  const { gw, name } = await start('many', { TICKLINE_GATEWAY_MAX_REDIS_CONNECTIONS: '16' });
  const instruments = Array.from({ length: 10 }, (_, i) => `binance:CAP${i}USDT`);
  const clients = await openSockets(gw.url, 500);
  for (const client of clients) {
    instruments.forEach((instrument, i) => {
      client.send({ op: 'subscribe', id: `l${i}`, channel: 'bars', instrument, timeframe: '1m' });
      client.send({ op: 'subscribe', id: `h${i}`, channel: 'bars', instrument, timeframe: '1m', from: T0 });
    });
  }
  await waitFor(() => clients.every((c) => answered(c).length === 20), {
    timeoutMs: 30_000,
    what: '10,000 acknowledgements',
  });
  expect(clients.flatMap(answered).filter((f) => f.type !== 'subscribed')).toEqual([]);
  // Every subscription reads: one bar on each stream reaches each of the 10,000.
  await new Promise((resolve) => setTimeout(resolve, 500)); // the `from` subscriptions have caught up
  const keys = streamKeys(gw.config.prefix);
  for (const [i, instrument] of instruments.entries()) {
    const [bar] = series(1, { from: T0 + i * 60_000 });
    const [venue, symbol] = instrument.split(':') as [string, string];
    const ref = { venue, symbol };
    await ctx.redis.xadd(keys.bars(ref, '1m'), '*', 'v', '1', 'd', msgpackCodec.encode({ ...bar!, ...ref }));
  }
  await waitFor(() => clients.every((c) => c.frames.filter((f) => f.type === 'bar').length === 20), {
    timeoutMs: 30_000,
    what: 'each bar at each subscription',
  });
  const held = await connectionsNamed(ctx.redis, name);
  expect(held).toBeLessThan(16);
  expect(held).toBe(2 + instruments.length);
  expect(await gatewayMetric(gw.url, 'tickline_gateway_ws_connections')).toBe(500);
  await expectHealthy(gw.url);
}, 120_000);

test('gateway.maxSockets: the upgrade beyond it is a 503 saying so, within a second; a freed place is taken again', async () => {
  const { gw } = await start('sockets', { TICKLINE_GATEWAY_MAX_SOCKETS: '3' });
  const clients = await openSockets(gw.url, 3);
  const started = performance.now();
  const refusal = await openStream(gw.url, { token: READ_TOKEN }).then(
    () => undefined,
    (error: { status?: number; body?: string }) => error,
  );
  expect(performance.now() - started).toBeLessThan(1000);
  expect(refusal).toMatchObject({ status: 503, body: expect.stringMatching(/gateway\.maxSockets/) });
  expect(await gatewayMetric(gw.url, 'tickline_gateway_ws_upgrades_refused_total')).toBe(1);
  await expectHealthy(gw.url);
  clients[0]!.ws.close();
  await clients[0]!.closed;
  await waitFor(async () => (await gatewayMetric(gw.url, 'tickline_gateway_ws_connections')) === 2, {
    what: 'the closed socket to be gone',
  });
  sockets.push(await openStream(gw.url, { token: READ_TOKEN }));
});
