import { join } from 'node:path';
import { handleControl } from '../src/binance/mockControl';
import { BinanceMockServer, parsePath } from '../src/binance/mockServer';
import { publishTrades, rawClient, until } from './support/binanceHarness';

const state = { streams: ['btcusdt@trade'], combined: true, maxStreams: 2 };

describe('mock control messages (Binance replies and errors)', () => {
  it.each([
    ['{"method":"SUBSCRIBE","params":["ethusdt@trade"],"id":1}', '{"result":null,"id":1}'],
    ['{"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":312}', '{"result":null,"id":312}'],
    ['{"method":"LIST_SUBSCRIPTIONS","id":3}', '{"result":["btcusdt@trade"],"id":3}'],
    ['{"method":"SET_PROPERTY","params":["combined",false],"id":5}', '{"result":null,"id":5}'],
    ['{"method":"GET_PROPERTY","params":["combined"],"id":2}', '{"result":true,"id":2}'],
    [
      '{"method":"GET_PROPERTY","params":["nope"],"id":2}',
      '{"error":{"code":0,"msg":"Unknown property"},"id":2}',
    ],
    [
      '{"method":"SET_PROPERTY","params":["combined","yes"],"id":2}',
      '{"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":2}',
    ],
    [
      '{"method":"GET_PROPERTY","params":[1],"id":2}',
      '{"error":{"code":2,"msg":"Invalid request: property name must be a string"},"id":2}',
    ],
    [
      '{"method":"GET_PROPERTY","params":["combined",1],"id":2}',
      '{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":2}',
    ],
    [
      '{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":-1.5}',
      '{"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null}',
    ],
    [
      '{"params":["btcusdt@trade"],"id":1}',
      '{"error":{"code":2,"msg":"Invalid request: missing field `method` at line 1 column 35"},"id":1}',
    ],
    [
      '{"method":"SUBSCRIBEX","params":[],"id":1}',
      '{"error":{"code":2,"msg":"Invalid request: unknown variant `SUBSCRIBEX`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 22"},"id":1}',
    ],
    [
      '{"method":"SUBSCRIBE","params":["a@trade","b@trade"],"id":9}',
      '{"error":{"code":4,"msg":"Too many subscriptions"},"id":9}',
    ],
  ])('%s', (request, reply) => {
    expect(handleControl(request, state).reply).toBe(reply);
  });

  it('answers unparseable JSON with code 3 and a null id', () => {
    expect(handleControl('{"method":', state).reply).toMatch(
      /^\{"error":\{"code":3,"msg":"Invalid JSON: expected value at line 1 column \d+"\},"id":null\}$/,
    );
  });

  it('routes the documented paths', () => {
    expect(parsePath('/stream?streams=btcusdt@trade/ethusdt@bookTicker')).toEqual({
      combined: true,
      streams: ['btcusdt@trade', 'ethusdt@bookTicker'],
    });
    expect(parsePath('/ws/btcusdt@trade')).toEqual({ combined: false, streams: ['btcusdt@trade'] });
    expect(parsePath('/ws')).toEqual({ combined: false, streams: [] });
    expect(parsePath('/api/v3/klines')).toBeUndefined();
  });
});

describe('BinanceMockServer over a socket', () => {
  let mock: BinanceMockServer;
  afterEach(() => mock.close());

  it('sends combined envelopes on /stream and bare payloads on /ws, byte for byte', async () => {
    mock = await BinanceMockServer.start();
    const combined = await rawClient(`${mock.url}/stream?streams=btcusdt@trade`);
    const raw = await rawClient(`${mock.url}/ws/btcusdt@trade`);
    await mock.waitForSubscription('btcusdt@trade', 2);
    const frame =
      '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}';
    mock.publishFrame(frame);
    expect(await combined.next()).toBe(frame);
    expect(await raw.next()).toBe(frame.slice('{"stream":"btcusdt@trade","data":'.length, -1));
    combined.ws.close();
    raw.ws.close();
  });

  it('publishBatch: pre-encoded frames of every length class arrive as separate messages, byte for byte', async () => {
    mock = await BinanceMockServer.start();
    const combined = await rawClient(`${mock.url}/stream?streams=btcusdt@trade`);
    const raw = await rawClient(`${mock.url}/ws/btcusdt@trade`);
    const got: string[] = [];
    raw.ws.on('message', (d: Buffer) => got.push(d.toString()));
    await mock.waitForSubscription('btcusdt@trade', 2);
    // 7-bit, 16-bit and 64-bit payload lengths, and multi-byte characters.
    const payloads = ['{}', `{"x":"${'é'.repeat(100)}"}`, `{"x":"${'a'.repeat(70_000)}"}`, '{"y":1}'];
    expect(await mock.publishBatch('btcusdt@trade', payloads)).toBe(2);
    for (const p of payloads) expect(await combined.next()).toBe(`{"stream":"btcusdt@trade","data":${p}}`);
    await until(() => got.length === payloads.length, 'raw frames');
    expect(got).toEqual(payloads);
    expect(mock.connections.map((c) => c.sent)).toEqual([4, 4]);
    combined.ws.close();
    raw.ws.close();
  });

  it('subscribes live, lists, and replies to bad requests as Binance does', async () => {
    mock = await BinanceMockServer.start();
    const c = await rawClient(`${mock.url}/ws`);
    c.ws.send('{"method":"SUBSCRIBE","params":["ethusdt@trade"],"id":1}');
    expect(await c.next()).toBe('{"result":null,"id":1}');
    c.ws.send('{"method":"LIST_SUBSCRIPTIONS","id":2}');
    expect(await c.next()).toBe('{"result":["ethusdt@trade"],"id":2}');
    c.ws.send('not json');
    expect(await c.next()).toMatch(/"code":3/);
    publishTrades(mock, 7, 7, 'ETHUSDT');
    expect(JSON.parse(await c.next())).toMatchObject({ e: 'trade', s: 'ETHUSDT', t: 7 });
    c.ws.close();
  });

  it('pings, and ws answers with pongs by itself', async () => {
    // 200 ms apart: at 20 ms a pong delayed past the next ping (a busy test process) counted as bad.
    mock = await BinanceMockServer.start({ pingIntervalMs: 200 });
    const c = await rawClient(`${mock.url}/ws/btcusdt@trade`);
    await until(() => (mock.connections[0]?.pongs ?? 0) >= 3, 'three pongs');
    expect(mock.connections[0]!.badPongs).toBe(0);
    c.ws.close();
  });

  it('refuses a ping period at or above the pong deadline (it would cut every long-lived client)', async () => {
    await expect(BinanceMockServer.start({ pingIntervalMs: 60_000 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringMatching(/pongTimeoutMs \(60000\) must exceed pingIntervalMs \(60000\)/),
    });
    mock = await BinanceMockServer.start({ pingIntervalMs: 60_000, pongTimeoutMs: 180_000 });
  });

  it('answers unknown paths with HTTP 404 and refused upgrades with 503', async () => {
    mock = await BinanceMockServer.start();
    await expect(rawClient(`${mock.url}/api/v3/klines`)).rejects.toThrow(/404/);
    mock.refuseConnectionsFor(60_000);
    await expect(rawClient(`${mock.url}/ws`)).rejects.toThrow(/503/);
  });

  it('cuts a client that sends more than 5 messages a second', async () => {
    mock = await BinanceMockServer.start();
    const c = await rawClient(`${mock.url}/ws`);
    for (let id = 1; id <= 7; id++) c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));
    await until(() => mock.stats.rateLimitCloses === 1 && !mock.connections[0]!.open, 'rate-limit close');
  });

  it('replays the bundled real session (raw-frame format) with every trade id in order', async () => {
    mock = await BinanceMockServer.start();
    const c = await rawClient(`${mock.url}/stream?streams=ethusdt@trade`);
    const ids: number[] = [];
    c.ws.on('message', (d: Buffer) => ids.push((JSON.parse(d.toString()) as { data: { t: number } }).data.t));
    const file = join(
      __dirname,
      '../data/binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
    );
    const result = await mock.replayFile(file, { speed: 'max' });
    expect(result.frames).toBe(14_515);
    await until(() => ids.length === 14_515, 'all frames');
    expect(ids[0]).toBe(1520538925);
    expect(ids.every((id, i) => id === 1520538925 + i)).toBe(true);
    c.ws.close();
  });
});
