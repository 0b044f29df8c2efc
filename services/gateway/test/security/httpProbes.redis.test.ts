import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { readCachedBarChunks, writeCachedBars } from '@tickline/storage';
import { redisTestContext } from '@tickline/testkit';
import { series } from '../../../../packages/storage/test/bars';
import {
  bearer,
  call,
  OPERATOR_TOKEN,
  READ_TOKEN,
  startTestGateway,
  type TestGateway,
} from '../gatewayHarness';
import { FAR_BACKFILL } from './probes';

// Issue 22's HTTP probes, replayed as an attacker sent them: each is a 4xx within a second while /healthz
// keeps answering. Both tokens are set (the harness's), and once without any (open mode).
const ctx = redisTestContext('tlgwsec');
const openCtx = redisTestContext('tlgwsecopen');
let gw: TestGateway;
let open: TestGateway;
const T0 = Date.UTC(2024, 2, 1);

beforeAll(async () => {
  [gw, open] = await Promise.all([
    startTestGateway(ctx.prefix, { TICKLINE_GATEWAY_MAX_CONCURRENT_PER_TOKEN: '1' }),
    startTestGateway(openCtx.prefix, {
      TICKLINE_GATEWAY_READ_TOKEN: '',
      TICKLINE_GATEWAY_OPERATOR_TOKEN: '',
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.close(), open?.close()]);
  await Promise.all([ctx.cleanup(), openCtx.cleanup()]);
});

const bars = (base: string, params: Record<string, string>) =>
  `${base}/v1/bars?${new URLSearchParams({ venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', ...params }).toString()}`;

/** The reply, checked to come within a second. */
async function timed(url: string, init: Parameters<typeof call>[1] = {}) {
  const started = performance.now();
  const reply = await call(url, init);
  expect({ url, ms: performance.now() - started < 1000 }).toEqual({ url, ms: true });
  return reply;
}

async function expectHealthy(base: string): Promise<void> {
  const health = await timed(`${base}/healthz`);
  expect(health.status).toBe(200);
}

describe.each([
  ['both tokens set', () => gw, bearer(READ_TOKEN), bearer(OPERATOR_TOKEN)],
  ['no tokens (open mode)', () => open, {}, {}],
])('%s', (_, gateway, read, operator) => {
  test('probe 2: a backfill to the end of the JS era is a 400 naming `to`, at once', async () => {
    const reply = await timed(`${gateway().url}/v1/backfill`, {
      method: 'POST',
      headers: operator,
      body: FAR_BACKFILL,
    });
    // Open mode never opens operator routes.
    if (gateway() === open) return expect(reply.status).toBe(401);
    expect(reply.status).toBe(400);
    expect(reply.body.error.param).toBe('to');
    expect(reply.body.error.message).toMatch(/2200-01-01/);
    await expectHealthy(gateway().url);
  });

  test('probe 3: bar reads across the whole JS era, 24 at once, are 400s within a second', async () => {
    const url = bars(gateway().url, { from: '-271821-04-20T00:00:00Z', to: '+275760-09-13T00:00:00Z' });
    const replies = await Promise.all(Array.from({ length: 24 }, () => timed(url, { headers: read })));
    for (const reply of replies) {
      expect(reply.status).toBe(400);
      expect(reply.body.error.param).toBe('from');
    }
    await expectHealthy(gateway().url);
  });

  test.each([
    ['symbol=..', { symbol: '..' }, 'symbol'],
    ['symbol=../ETC', { symbol: '../ETC' }, 'symbol'],
    ['from=1e20', { from: '1e20', to: '2024-01-02' }, 'from'],
    ['epoch ms 8.64e15', { from: '8640000000000000', to: '8640000000000001' }, 'from'],
    ['epoch ms past 8.64e15', { from: '2024-01-01', to: '9999999999999999999' }, 'to'],
    ['a year of 1s bars', { timeframe: '1s', from: '2024-01-01', to: '2025-01-01' }, 'to'],
    ['a 2-year 1m range', { from: '2022-01-01', to: '2024-01-01' }, 'to'],
  ])('probe 6: %s is a 400 naming the parameter', async (_name, params, param) => {
    const reply = await timed(bars(gateway().url, { from: '2024-01-01', to: '2024-01-02', ...params }), {
      headers: read,
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.param).toBe(param);
  });

  test('probe 6: fundamentals of `..` is a 400, not a look at the file system', async () => {
    const reply = await timed(`${gateway().url}/v1/fundamentals/..%2F..%2FETC`, { headers: read });
    expect(reply.status).toBe(400);
    expect(reply.body.error.param).toBe('symbol');
  });
});

test('probe 6: a body typed application/json-patch (or anything but application/json) is a 400', async () => {
  for (const type of ['application/json-patch', 'application/jsonx', 'text/plain', 'application/json-seq']) {
    const response = await fetch(`${gw.url}/v1/backfill`, {
      method: 'POST',
      headers: { ...bearer(OPERATOR_TOKEN), 'content-type': type },
      body: JSON.stringify({ venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: 0, to: 60_000 }),
    });
    expect({ type, status: response.status }).toEqual({ type, status: 400 });
  }
  const charset = await call(`${gw.url}/v1/backfill`, {
    method: 'POST',
    headers: { ...bearer(OPERATOR_TOKEN), 'content-type': 'application/json; charset=utf-8' },
    body: { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: '2024-01-01', to: '2024-01-02' },
  });
  expect(charset.status).toBe(202);
});

test('a backfill body with epoch ms outside the era is a 400 naming the field', async () => {
  for (const [field, value] of [
    ['from', 1e20],
    ['from', Date.UTC(1899, 11, 31)],
    ['to', 8.64e15],
    ['from', 0.5],
  ] as const) {
    const body = {
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1d',
      from: 0,
      to: 86_400_000,
      [field]: value,
    };
    const reply = await timed(`${gw.url}/v1/backfill`, {
      method: 'POST',
      headers: bearer(OPERATOR_TOKEN),
      body,
    });
    expect({ field, value, status: reply.status, param: reply.body.error.param }).toEqual({
      field,
      value,
      status: 400,
      param: field,
    });
  }
});

/** A bars request whose answer is not read: it holds its slot while the socket is full. */
function stalledRead(url: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: bearer(READ_TOKEN) }, (res) => {
      res.pause();
      resolve({ req, res });
    });
    req.on('error', () => undefined);
    req.once('error', reject);
    req.end();
  });
}

test('expensive reads: one more than the token may run is a 429 with Retry-After; a client that leaves frees its slot', async () => {
  // About 25 MB of JSON: far more than the sockets buffer, so the unread answer keeps its slot.
  await writeCachedBars(gw.cacheDir, series(100_000, { from: T0 }));
  const url = bars(gw.url, {
    from: new Date(T0).toISOString(),
    to: new Date(T0 + 100 * 86_400_000).toISOString(),
  });
  const first = await stalledRead(url);
  expect(first.res.statusCode).toBe(200);
  const second = await timed(url, { headers: bearer(READ_TOKEN) });
  expect(second.status).toBe(429);
  expect(second.headers.get('retry-after')).toBe('1');
  expect(second.body.error.code).toBe('TOO_MANY_REQUESTS');
  await expectHealthy(gw.url); // cheap routes are not limited
  first.req.destroy();
  // The read stops and the slot comes back once the gateway sees the socket close.
  const started = performance.now();
  let again = await call(
    bars(gw.url, { from: new Date(T0).toISOString(), to: new Date(T0 + 60_000).toISOString() }),
    {
      headers: bearer(READ_TOKEN),
    },
  );
  while (again.status === 429 && performance.now() - started < 2000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    again = await call(
      bars(gw.url, { from: new Date(T0).toISOString(), to: new Date(T0 + 60_000).toISOString() }),
      {
        headers: bearer(READ_TOKEN),
      },
    );
  }
  expect(again.status).toBe(200);
  expect(again.body.bars).toHaveLength(1);
});

test('the cache reader stops at an aborted signal, before the next file or chunk', async () => {
  const controller = new AbortController();
  controller.abort(new Error('the client went away'));
  const read = async () => {
    for await (const chunk of readCachedBarChunks(gw.cacheDir, {
      symbol: 'BTCUSDT',
      timeframe: '1m',
      from: T0,
      to: T0 + 86_400_000,
      signal: controller.signal,
    }))
      void chunk;
  };
  await expect(read()).rejects.toThrow('the client went away');
});
