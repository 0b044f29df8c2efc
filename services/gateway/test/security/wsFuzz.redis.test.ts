import { redisTestContext } from '@tickline/testkit';
import fc from 'fast-check';
import { GATEWAY_DEFAULTS } from '../../src';
import { READ_TOKEN, startTestGateway, type TestGateway } from '../gatewayHarness';
import { openStream, type ServerFrame, type StreamClient } from '../streamClient';
import { expectHealthy } from './connectionProbes';

// Issue 22, deliverable 6: every WebSocket frame type a client can send (text frames of each message type,
// well-formed or not, fragmented text, binary, ping, pong, oversized, close) gets a clear answer within a
// second (an acknowledgement or an error frame with a known code, a pong, a close with its code), the
// gateway's memory stays bounded and /healthz answers after each run.
const ctx = redisTestContext('tlgwfuzz');
let gw: TestGateway;
const MAX_PAYLOAD = GATEWAY_DEFAULTS.maxPayloadBytes;
const CODES = [
  'BAD_FRAME',
  'DUPLICATE_ID',
  'UNKNOWN_ID',
  'TOO_MANY_SUBSCRIPTIONS',
  'INVALID_ARGUMENT',
  'SUBSCRIPTION_FAILED',
  'UNAVAILABLE',
];

beforeAll(async () => {
  gw = await startTestGateway(ctx.prefix, { TICKLINE_GATEWAY_MAX_REDIS_CONNECTIONS: '32' });
});
afterAll(async () => {
  await gw.close();
  await ctx.cleanup();
});

// Values of each field: mostly valid ones (so subscriptions run into their limits), near misses, anything.
const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 80 }));
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
const id = mostly(
  fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/)),
  fc.oneof(fc.constantFrom('', 'x'.repeat(65), 'a b'), anything),
);
const instrument = mostly(
  fc.oneof(
    fc.constantFrom('binance:BTCUSDT', 'binance:ETHUSDT'),
    fc.nat(20).map((n) => `binance:FUZZ${n}USDT`),
  ),
  fc.oneof(fc.constantFrom('alpaca:AAPL', 'binance:', 'nope', 'binance:btc usdt', 'nasdaq:AAPL'), anything),
);
const timeframe = mostly(
  fc.constantFrom('1m', '5m', '1h'),
  fc.oneof(fc.constantFrom('1M', '7m', '0s', ''), anything),
);
const from = mostly(
  fc.oneof(
    fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 0, 3) }),
    fc
      .date({ min: new Date(Date.UTC(2024, 0, 1)), max: new Date(Date.UTC(2024, 0, 3)), noInvalidDate: true })
      .map((d) => d.toISOString()),
  ),
  fc.oneof(
    fc.integer({ min: -1e16, max: 1e16 }),
    fc.constantFrom('+275760-09-13T00:00:00Z', '2024-02-30', 'yesterday', 1e300, -0, 0),
    anything,
  ),
);
const extra = fc.dictionary(fc.string({ maxLength: 8 }), anything, { maxKeys: 2 });
const barsSubscribe = fc
  .record(
    {
      op: fc.constant('subscribe'),
      channel: fc.constant('bars'),
      id,
      instrument,
      timeframe,
      from,
      partial: mostly(fc.boolean(), anything),
      source: mostly(
        fc.constantFrom('cache', 'stream'),
        fc.oneof(fc.constantFrom('database', 'db'), anything),
      ),
    },
    { requiredKeys: ['op', 'channel', 'id', 'instrument', 'timeframe'] },
  )
  .chain((frame) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant<Record<string, unknown>>(frame) },
      { weight: 1, arbitrary: extra.map((more) => ({ ...more, ...frame })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('id', 'instrument', 'timeframe')
          .map((key) => ({ ...frame, [key]: undefined })),
      },
    ),
  );
const ticksSubscribe = fc.record(
  { op: fc.constant('subscribe'), channel: fc.constant('ticks'), id, instrument },
  { requiredKeys: ['op', 'channel', 'id', 'instrument'] },
);
const unsubscribe = fc.record(
  { op: mostly(fc.constant('unsubscribe'), anything), id },
  { requiredKeys: ['op', 'id'] },
);
const message = fc.oneof(
  { weight: 6, arbitrary: barsSubscribe.map((f) => JSON.stringify(f)) },
  { weight: 2, arbitrary: ticksSubscribe.map((f) => JSON.stringify(f)) },
  { weight: 3, arbitrary: unsubscribe.map((f) => JSON.stringify(f)) },
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.nat({ max: 2000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
);

type Step =
  | { kind: 'text'; text: string }
  | { kind: 'fragmented'; text: string; parts: number }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'ping' | 'pong'; bytes: Uint8Array }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'close'; code: number; reason: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: message.map((text) => ({ kind: 'text' as const, text })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fragmented' as const),
      text: message,
      parts: fc.integer({ min: 2, max: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('ping' as const, 'pong' as const),
      bytes: fc.uint8Array({ maxLength: 125 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('oversized' as const),
      bytes: fc.integer({ min: MAX_PAYLOAD + 1, max: 4 * MAX_PAYLOAD }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      code: fc.oneof(fc.constant(1000), fc.integer({ min: 3000, max: 4999 })),
      reason: fc.string({ maxLength: 30 }),
    }),
  },
);

/** An answer is an acknowledgement naming a subscription, or an error frame with a known code. */
function expectClear(frame: ServerFrame): void {
  if (frame.type === 'error') {
    expect(CODES).toContain(frame.code);
    expect(typeof frame.message).toBe('string');
  } else expect(['subscribed', 'unsubscribed']).toContain(frame.type);
}

/** Resolves with what happened first within a second: a new frame, a pong or the close; rejects on silence. */
function nextEvent(client: StreamClient, seen: number): Promise<'frame' | 'pong' | { closed: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within a second')), 1000);
    const done = (event: 'frame' | 'pong' | { closed: number }) => {
      clearTimeout(timer);
      clearInterval(poll);
      client.ws.off('pong', onPong);
      resolve(event);
    };
    const onPong = () => done('pong');
    client.ws.on('pong', onPong);
    const poll = setInterval(() => client.frames.length > seen && done('frame'), 2);
    void client.closed.then(({ code }) => done({ closed: code }));
  });
}

/** Sends one step and checks its answer; returns whether the connection is still open. */
async function play(client: StreamClient, s: Step): Promise<boolean> {
  const seen = client.frames.length;
  switch (s.kind) {
    case 'text':
      client.ws.send(s.text);
      break;
    case 'fragmented': {
      const size = Math.ceil(s.text.length / s.parts) || 1;
      for (let at = 0; at < s.text.length || at === 0; at += size) {
        client.ws.send(s.text.slice(at, at + size), { fin: at + size >= s.text.length });
      }
      break;
    }
    case 'binary':
      client.ws.send(s.bytes, { binary: true });
      break;
    case 'ping':
      client.ws.ping(s.bytes);
      expect(await nextEvent(client, seen)).toBe('pong');
      return true;
    case 'pong':
      client.ws.pong(s.bytes); // unasked: nothing to answer, and the connection stays
      return true;
    case 'oversized':
      client.ws.send('x'.repeat(s.bytes));
      expect(await nextEvent(client, seen)).toEqual({ closed: 1009 });
      return false;
    case 'close':
      client.ws.close(s.code, s.reason);
      expect(await nextEvent(client, seen)).toEqual({ closed: s.code });
      return false;
  }
  expect(await nextEvent(client, seen)).toBe('frame');
  if (s.kind === 'binary') expect(client.frames[seen]).toMatchObject({ type: 'error', code: 'BAD_FRAME' });
  client.frames.slice(seen).forEach(expectClear);
  return true;
}

test('every client frame type, well-formed or not, gets a clear answer within a second; memory bounded, /healthz alive', async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      let client = await openStream(gw.url, { token: READ_TOKEN });
      try {
        for (const s of steps) {
          if (!(await play(client, s))) client = await openStream(gw.url, { token: READ_TOKEN });
        }
        // Whatever came late (a subscription failing after its acknowledgement) is clear as well.
        await new Promise((resolve) => setTimeout(resolve, 20));
        client.frames.forEach(expectClear);
      } finally {
        client.ws.terminate();
      }
      for (const session of gw.gateway.streams.sessions) {
        expect(session.subscriptionCount).toBeLessThanOrEqual(GATEWAY_DEFAULTS.maxSubscriptions);
        expect(session.queued).toBeLessThanOrEqual(GATEWAY_DEFAULTS.maxQueuedFrames);
      }
      await expectHealthy(gw.url);
    }),
    { numRuns: 60 },
  );
  // Bounded: what the runs left behind (closed sessions, stopped readers) is released.
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 2 ** 20);
  expect(gw.gateway.streams.sessions.size).toBeLessThanOrEqual(1);
}, 120_000);
