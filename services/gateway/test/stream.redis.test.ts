import { createClient, type BarEvent } from '@tickline/client';
import { msgpackCodec, streamKeys } from '@tickline/bus';
import { writeCachedBars } from '@tickline/storage';
import { redisTestContext, waitFor } from '@tickline/testkit';
import { firstValueFrom, take, toArray } from 'rxjs';
import { series } from '../../../packages/storage/test/bars';
import { STREAM_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../src';
import { OPERATOR_TOKEN, READ_TOKEN, startTestGateway, type TestGateway } from './gatewayHarness';
import { openStream, publishBars, type StreamClient } from './streamClient';

const ctx = redisTestContext('tlgwws');
let gw: TestGateway;
const T0 = Date.UTC(2024, 4, 1);
const open: StreamClient[] = [];

beforeAll(async () => {
  gw = await startTestGateway(
    ctx.prefix,
    { TICKLINE_GATEWAY_ORIGINS: 'https://desk.example.com' },
    {
      limits: { maxSubscriptions: 3, pingIntervalMs: 60_000 },
    },
  );
});
afterEach(() => {
  for (const client of open.splice(0)) client.ws.terminate();
});
afterAll(async () => {
  await gw.close();
  await ctx.cleanup();
});

async function connect(
  options: Parameters<typeof openStream>[1] = { token: READ_TOKEN },
): Promise<StreamClient> {
  const client = await openStream(gw.url, options);
  open.push(client);
  return client;
}

const refusal = (options: Parameters<typeof openStream>[1]) =>
  openStream(gw.url, options).then(
    () => undefined,
    (error: { status?: number; body?: string }) => error,
  );

describe('the upgrade', () => {
  it('is refused with 401 without a token or with a wrong one, 403 from a foreign Origin', async () => {
    expect(await refusal({})).toMatchObject({ status: 401, body: expect.stringMatching(/bearer token/) });
    expect(await refusal({ token: 'wrong' })).toMatchObject({ status: 401 });
    expect(await refusal({ token: READ_TOKEN, origin: 'https://evil.example' })).toMatchObject({
      status: 403,
    });
    const listed = await connect({ token: READ_TOKEN, origin: 'https://desk.example.com' });
    expect(listed.ws.readyState).toBe(listed.ws.OPEN);
  });

  it('accepts the token as a subprotocol (browsers) and answers only with tickline.v1', async () => {
    const encoded = Buffer.from(OPERATOR_TOKEN).toString('base64url');
    const client = await connect({ protocols: [STREAM_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${encoded}`] });
    expect(client.ws.protocol).toBe(STREAM_PROTOCOL);
    await refusal({ protocols: [STREAM_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${encoded}x`] });
    expect(gw.logs()).not.toContain(OPERATOR_TOKEN);
    expect(gw.logs()).not.toContain(encoded);
  });
});

describe('bars', () => {
  it('delivers what @tickline/client delivers: cache history stitched to the stream, each bar once, in order', async () => {
    const bars = series(150, { from: T0 });
    await writeCachedBars(gw.cacheDir, bars.slice(0, 100));
    await publishBars(ctx.redis, ctx.prefix, bars.slice(80, 120));
    const client = await connect();
    client.send({
      op: 'subscribe',
      id: 'b1',
      channel: 'bars',
      instrument: 'binance:BTCUSDT',
      timeframe: '1m',
      from: T0,
      source: 'cache',
    });
    await client.waitFrames((f) => f.type === 'bar', 120);
    await publishBars(ctx.redis, ctx.prefix, bars.slice(110, 150));
    const frames = await client.waitFrames((f) => f.type === 'bar', 150);
    expect(client.frames[0]).toEqual({ type: 'subscribed', id: 'b1', channel: 'bars' });

    const direct = createClient({ prefix: ctx.prefix, cacheDir: gw.cacheDir });
    const events: BarEvent[] = await firstValueFrom(
      direct.bars('binance:BTCUSDT', '1m', { from: T0, source: 'cache' }).pipe(take(150), toArray()),
    );
    await direct.close();
    const view = (start: number | string, kind?: string, origin?: string) => ({
      start: new Date(start).getTime(),
      kind,
      origin,
    });
    expect(frames.map((f) => view(f.bar!.start, f.kind, f.origin))).toEqual(
      events.map((e) => view(e.bar.start, e.kind, e.origin)),
    );
    expect(new Set(frames.map((f) => f.bar!.start)).size).toBe(150);
    expect(frames[0]!.origin).toBe('history');
    expect(frames[149]!.origin).toBe('live');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.frames.filter((f) => f.type === 'bar')).toHaveLength(150);
  });

  it('sends revisions as updates of the same bar and partials only when asked, then unsubscribes', async () => {
    const [first] = series(1, { from: T0 + 1000 * 60_000 });
    const client = await connect();
    client.send({
      op: 'subscribe',
      id: 'p',
      channel: 'bars',
      instrument: 'binance:BTCUSDT',
      timeframe: '1m',
      partial: true,
    });
    client.send({
      op: 'subscribe',
      id: 'f',
      channel: 'bars',
      instrument: 'binance:BTCUSDT',
      timeframe: '1m',
    });
    await client.waitFrames((f) => f.type === 'subscribed', 2);
    await new Promise((resolve) => setTimeout(resolve, 100)); // both have read the stream's end
    await publishBars(ctx.redis, ctx.prefix, [
      { ...first!, final: false },
      { ...first!, final: true },
      { ...first!, final: true, revision: 1, close: first!.close + 1 },
    ]);
    const withPartials = await client.waitFrames((f) => f.id === 'p' && f.type === 'bar', 3);
    expect(withPartials.map((f) => f.kind)).toEqual(['partial', 'bar', 'revision']);
    const finalsOnly = await client.waitFrames((f) => f.id === 'f' && f.type === 'bar', 2);
    expect(finalsOnly.map((f) => [f.kind, f.bar!.revision])).toEqual([
      ['bar', 0],
      ['revision', 1],
    ]);
    client.send({ op: 'unsubscribe', id: 'p' });
    await client.waitFrames((f) => f.type === 'unsubscribed' && f.id === 'p');
  });
});

describe('ticks', () => {
  it('delivers trades of the instrument as they arrive', async () => {
    const client = await connect();
    client.send({ op: 'subscribe', id: 't', channel: 'ticks', instrument: 'binance:ETHUSDT' });
    await client.waitFrames((f) => f.type === 'subscribed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const key = streamKeys(ctx.prefix).ticks({ venue: 'binance', symbol: 'ETHUSDT' });
    const trade = (id: string, price: number) => ({
      venue: 'binance',
      symbol: 'ETHUSDT',
      ts: T0,
      recvTs: T0 + 5,
      price,
      size: 1,
      side: 'buy',
      id,
    });
    await ctx.redis.xadd(key, '*', 'v', '1', 'd', msgpackCodec.encode([trade('1', 3000), trade('2', 3001)]));
    const ticks = await client.waitFrames((f) => f.type === 'tick', 2);
    expect(ticks.map((f) => [f.trade!.id, f.trade!.price])).toEqual([
      ['1', 3000],
      ['2', 3001],
    ]);
  });
});

describe('protocol rules', () => {
  const errors = (client: StreamClient) => client.frames.filter((f) => f.type === 'error');

  it('answers bad frames with error frames naming the problem, and keeps the connection', async () => {
    const client = await connect();
    client.ws.send('not json');
    client.send({ op: 'subscribe', id: 'x', channel: 'candles' });
    client.send({ op: 'subscribe', id: 'y', channel: 'bars', instrument: 'binance:BTCUSDT', timeframe: 7 });
    client.send({ op: 'subscribe', id: 'z', channel: 'bars', instrument: 'nowhere', timeframe: '1m' });
    client.send({ op: 'unsubscribe', id: 'never' });
    await waitFor(() => errors(client).length === 5, { what: 'five error frames' });
    expect(errors(client).map((f) => [f.code, f.id])).toEqual([
      ['BAD_FRAME', undefined],
      ['BAD_FRAME', 'x'],
      ['BAD_FRAME', 'y'],
      ['INVALID_ARGUMENT', 'z'],
      ['UNKNOWN_ID', 'never'],
    ]);
    expect(errors(client)[2]!.message).toMatch(/^timeframe: /);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('limits subscriptions per connection and refuses a repeated id', async () => {
    const client = await connect();
    for (const id of ['a', 'b', 'c', 'c', 'd']) {
      client.send({ op: 'subscribe', id, channel: 'ticks', instrument: 'binance:BTCUSDT' });
    }
    await waitFor(() => errors(client).length === 2, { what: 'two error frames' });
    expect(errors(client).map((f) => [f.code, f.id])).toEqual([
      ['DUPLICATE_ID', 'c'],
      ['TOO_MANY_SUBSCRIPTIONS', 'd'],
    ]);
  });

  it('closes a connection that sends a frame over the size limit (1009)', async () => {
    const client = await connect();
    client.ws.send(JSON.stringify({ op: 'subscribe', id: 'big', pad: 'x'.repeat(8192) }));
    expect((await client.closed).code).toBe(1009);
  });
});
