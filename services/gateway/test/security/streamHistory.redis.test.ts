import { redisTestContext } from '@tickline/testkit';
import { READ_TOKEN, startTestGateway, type TestGateway } from '../gatewayHarness';
import { openStream, type StreamClient } from '../streamClient';
import { expectHealthy } from './connectionProbes';

// Probe 3's WebSocket twin: a `from` subscription with a time outside core's era is refused before any
// read, as GET /v1/bars refuses it.
const ctx = redisTestContext('tlgwfrom');
let gateway: TestGateway;
let client: StreamClient;

beforeAll(async () => {
  gateway = await startTestGateway(ctx.prefix);
  client = await openStream(gateway.url, { token: READ_TOKEN });
});
afterAll(async () => {
  client.ws.terminate();
  await gateway.close();
  await ctx.cleanup();
});

const subscribe = (id: string, timeframe: string, from: string | number) =>
  client.send({ op: 'subscribe', id, channel: 'bars', instrument: 'binance:BTCUSDT', timeframe, from });

async function answer(id: string) {
  const started = Date.now();
  const [frame] = await client.waitFrames((f) => f.id === id && ['error', 'subscribed'].includes(f.type));
  return { ...frame!, ms: Date.now() - started };
}

test.each([['-271821-04-20T00:00:00Z'], ['+275760-09-13T00:00:00Z'], [8.64e15], ['1899-12-31T23:59:59Z']])(
  'an absurd from (%s) is an INVALID_ARGUMENT, not a read',
  async (from) => {
    const id = `x${String(from)
      .replace(/[^0-9]/g, '')
      .slice(0, 12)}`;
    subscribe(id, '1d', from);
    const reply = await answer(id);
    expect(reply).toMatchObject({ type: 'error', code: 'INVALID_ARGUMENT' });
    expect(reply.message).toMatch(/^(invalid )?from /);
    await expectHealthy(gateway.url);
  },
);
