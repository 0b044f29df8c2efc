// The Alpaca mock's wire protocol, byte for byte, as docs.alpaca.markets/docs/streaming-market-data
// shows it (texts in ../shared/protocols/venues.md §3), with a bare client.
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { tradeItem } from '../src/alpaca/alpacaFrames';
import { AlpacaMockServer } from '../src/alpaca/mockServer';
import { decodeMsgpack, encodeMsgpack, MsgpackTimestamp } from '../src/mock/msgpack';
import { rawClient } from './support/binanceHarness';
import { KEY, until } from './support/alpacaHarness';

const AUTH = JSON.stringify({ action: 'auth', key: KEY.keyId, secret: KEY.secretKey });

describe('AlpacaMockServer protocol', () => {
  let mock: AlpacaMockServer;
  const sockets: WebSocket[] = [];
  const client = async (path = '/v2/iex') => {
    const c = await rawClient(`${mock.url}${path}`);
    sockets.push(c.ws);
    return c;
  };
  beforeEach(async () => {
    mock = await AlpacaMockServer.start({ maxSymbols: 3 });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await mock.close();
  });

  it('greets, authenticates and answers subscriptions with the full set', async () => {
    const { ws, next } = await client();
    expect(await next()).toBe('[{"T":"success","msg":"connected"}]');
    ws.send(AUTH);
    expect(await next()).toBe('[{"T":"success","msg":"authenticated"}]');
    ws.send(JSON.stringify({ action: 'subscribe', trades: ['AAPL'], quotes: ['AMD', 'CLDR'], bars: ['*'] }));
    expect(await next()).toBe(
      '[{"T":"subscription","trades":["AAPL"],"quotes":["AMD","CLDR"],"bars":["*"],"updatedBars":[],"dailyBars":[],' +
        '"statuses":[],"lulds":[],"corrections":["AAPL"],"cancelErrors":["AAPL"]}]',
    );
    ws.send(JSON.stringify({ action: 'unsubscribe', quotes: ['AMD'] }));
    expect(JSON.parse(await next())).toMatchObject([{ T: 'subscription', quotes: ['CLDR'] }]);
  });

  it('wrong keys: the real error, then the connection closes', async () => {
    const { ws, next } = await client();
    await next();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ action: 'auth', key: 'nope', secret: 'nope' }));
    expect(await next()).toBe('[{"T":"error","code":402,"msg":"auth failed"}]');
    await closed;
  });

  it('a second connection of the same key gets 406', async () => {
    const a = await client();
    await a.next();
    a.ws.send(AUTH);
    await a.next();
    const b = await client();
    await b.next();
    b.ws.send(AUTH);
    expect(await b.next()).toBe('[{"T":"error","code":406,"msg":"connection limit exceeded"}]');
    // Another endpoint is another slot.
    const c = await client('/v1beta3/crypto/us');
    await c.next();
    c.ws.send(AUTH);
    expect(await c.next()).toBe('[{"T":"success","msg":"authenticated"}]');
  });

  it.each([
    ['before auth', [], JSON.stringify({ action: 'subscribe', trades: ['AAPL'] }), 401, 'not authenticated'],
    ['bad JSON', [AUTH], '{"action":', 400, 'invalid syntax'],
    ['an unknown action', [AUTH], '{"action":"listen"}', 400, 'invalid syntax'],
    ['a second auth', [AUTH], AUTH, 403, 'already authenticated'],
    [
      'over the symbol limit',
      [AUTH],
      JSON.stringify({ action: 'subscribe', trades: ['A', 'B', 'C', 'D'] }),
      405,
      'symbol limit exceeded',
    ],
    [
      'order books on a stock feed',
      [AUTH],
      JSON.stringify({ action: 'subscribe', orderbooks: ['AAPL'] }),
      410,
      'invalid subscribe action for this feed',
    ],
  ])('%s → error', async (_what, before, message, code, msg) => {
    const { ws, next } = await client();
    await next();
    for (const m of before) {
      ws.send(m);
      await next();
    }
    ws.send(message);
    expect(await next()).toBe(JSON.stringify([{ T: 'error', code, msg }]));
  });

  it('auth by headers; auth timeout gives 404', async () => {
    mock = await restart({ authTimeoutMs: 50 });
    const headed = new WebSocket(`${mock.url}/v2/sip`, {
      headers: { 'APCA-API-KEY-ID': KEY.keyId, 'APCA-API-SECRET-KEY': KEY.secretKey },
    });
    sockets.push(headed);
    const texts: string[] = [];
    headed.on('message', (d: Buffer) => texts.push(d.toString()));
    await until(() => texts.length === 2, 'connected + authenticated');
    expect(texts[1]).toBe('[{"T":"success","msg":"authenticated"}]');
    const { next } = await client();
    await next();
    expect(await next()).toBe('[{"T":"error","code":404,"msg":"auth timeout"}]');
  });

  it('unknown paths get HTTP 404, refusals 503', async () => {
    const status = (path: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${mock.url}${path}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await status('/v2/nope')).toBe(404);
    mock.refuseConnectionsFor(60_000);
    expect(await status('/v2/iex')).toBe(503);
  });

  it('speaks msgpack when asked, timestamps with nanoseconds', async () => {
    const ws = new WebSocket(`${mock.url}/v2/iex`, { headers: { 'Content-Type': 'application/msgpack' } });
    sockets.push(ws);
    const frames: unknown[] = [];
    ws.on('message', (d: Buffer) => frames.push(decodeMsgpack(d)));
    await until(() => frames.length === 1, 'connected');
    ws.send(encodeMsgpack({ action: 'auth', key: KEY.keyId, secret: KEY.secretKey }));
    ws.send(encodeMsgpack({ action: 'subscribe', trades: ['AAPL'] }));
    await until(() => frames.length === 3, 'subscribed');
    mock.publishItems([
      tradeItem({ symbol: 'AAPL', id: 7, price: 1.25, size: 3, time: '2024-03-12T14:30:00.123456789Z' }),
    ]);
    await until(() => frames.length === 4, 'the trade');
    const [item] = frames[3] as Array<Record<string, unknown>>;
    expect(item).toMatchObject({ T: 't', S: 'AAPL', i: 7, p: 1.25, s: 3 });
    expect(item?.t).toEqual(new MsgpackTimestamp(Date.UTC(2024, 2, 12, 14, 30) / 1000, 123_456_789));
  });

  it('replays a Tickline recording, batching untouched for full subscribers', async () => {
    const frame = JSON.stringify([
      tradeItem({ symbol: 'AAPL', id: 1, price: 2, size: 1, time: '2024-03-12T14:30:00Z' }),
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'alpaca-')), 'rec.jsonl.gz');
    writeFileSync(file, gzipSync(`${JSON.stringify({ t: 1, venue: 'alpaca', frame })}\n`));
    const { ws, next } = await client();
    await next();
    ws.send(AUTH);
    await next();
    ws.send(JSON.stringify({ action: 'subscribe', trades: ['AAPL'] }));
    await next();
    const done = mock.replayFile(file, { speed: 'max' });
    expect(await next()).toBe(frame);
    expect(await done).toEqual({ frames: 1 });
  });

  async function restart(options: Parameters<typeof AlpacaMockServer.start>[0]) {
    await mock.close();
    return AlpacaMockServer.start(options);
  }
});

describe('msgpack codec', () => {
  it('round-trips what the mock sends and receives', () => {
    const value = {
      a: [1, -5, 300, 70000, 2 ** 40, -(2 ** 40), 1.5, 'x'.repeat(40), null, true, false],
      b: {},
    };
    expect(decodeMsgpack(encodeMsgpack(value))).toEqual(value);
    expect(encodeMsgpack(new MsgpackTimestamp(1, 0))).toEqual(Buffer.from([0xd6, 0xff, 0, 0, 0, 1]));
    expect(encodeMsgpack(new MsgpackTimestamp(1, 5)).subarray(0, 3)).toEqual(Buffer.from([0xc7, 12, 0xff]));
    expect(decodeMsgpack(encodeMsgpack([new MsgpackTimestamp(1_710_253_800, 5)]))).toEqual([
      new MsgpackTimestamp(1_710_253_800, 5),
    ]);
  });
});
