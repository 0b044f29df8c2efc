import { decodeAny, msgpackCodec, streamKeys } from '@tickline/bus';
import { writeCachedBars } from '@tickline/storage';
import { redisTestContext } from '@tickline/testkit';
import { series } from '../../../packages/storage/test/bars';
import {
  bearer,
  call,
  cliBarsJson,
  type ApiBody,
  OPERATOR_TOKEN,
  READ_TOKEN,
  startTestGateway,
  type TestGateway,
} from './gatewayHarness';

const ctx = redisTestContext('tlgw');
let gw: TestGateway;
const T0 = Date.UTC(2024, 2, 1);
const bars = series(300, { from: T0 });

beforeAll(async () => {
  gw = await startTestGateway(ctx.prefix, { TICKLINE_GATEWAY_ORIGINS: 'https://desk.example.com' });
  await writeCachedBars(gw.cacheDir, bars);
});
afterAll(async () => {
  await gw.close();
  await ctx.cleanup();
});

describe('GET /v1/bars', () => {
  const range = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: '2024-03-01T01:00:00Z',
    to: '2024-03-01T03:30:00Z',
  };
  const query = (params: Record<string, string>) =>
    `${gw.url}/v1/bars?${new URLSearchParams(params).toString()}`;

  it('answers the bars `tickline bars --format json` prints for the same range', async () => {
    const reply = await call(query({ ...range, source: 'cache' }), { headers: bearer(READ_TOKEN) });
    expect(reply.status).toBe(200);
    const expected = await cliBarsJson({ TICKLINE_CACHE_DIR: gw.cacheDir }, { ...range, source: 'cache' });
    expect(reply.body.bars).toEqual(expected);
    expect(reply.body.bars).toHaveLength(150);
    expect(reply.body.bars.some((b) => b.quality.flags.length > 0)).toBe(true);
    expect(reply.body.query).toMatchObject({
      venue: 'binance',
      symbol: 'BTCUSDT',
      source: 'cache',
      from: '2024-03-01T01:00:00.000Z',
    });
  });

  it('answers an empty list for a range without bars', async () => {
    const reply = await call(query({ ...range, from: '2020-01-01', to: '2020-01-02' }), {
      headers: bearer(READ_TOKEN),
    });
    expect(reply.status).toBe(200);
    expect(reply.body.bars).toEqual([]);
  });

  it.each([
    [{ venue: undefined }, 'venue', /required/],
    [{ venue: 'nasdaq' }, 'venue', /not a venue/],
    [{ symbol: 'btc usdt' }, 'symbol', /symbol/],
    [{ timeframe: '7m' }, 'timeframe', /not a timeframe/],
    [{ from: 'yesterday' }, 'from', /not a time/],
    [{ to: range.from }, 'to', /after from/],
    [{ source: 'disk' }, 'source', /db or cache/],
    [{ source: 'db' }, 'source', /no database/],
  ])('a bad query %o is an error naming %s', async (change, param, message) => {
    const params: Record<string, string> = { ...range };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete params[key];
      else params[key] = value;
    }
    const reply = await call(query(params), { headers: bearer(READ_TOKEN) });
    expect([400, 503]).toContain(reply.status);
    expect(reply.body.error.param).toBe(param);
    expect(reply.body.error.message).toMatch(message);
  });
});

describe('authentication and scopes', () => {
  it('refuses requests without a token or with an unknown one (401), a read token on operator routes (403)', async () => {
    const none = await call(`${gw.url}/v1/instruments`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const wrong = await call(`${gw.url}/v1/instruments`, { headers: bearer('not-the-token') });
    expect(wrong.status).toBe(401);
    const readOnBackfill = await call(`${gw.url}/v1/backfill`, {
      method: 'POST',
      headers: bearer(READ_TOKEN),
      body: {},
    });
    expect(readOnBackfill.status).toBe(403);
    expect(readOnBackfill.body.error.message).toMatch(/operator scope/);
    const operatorReads = await call(`${gw.url}/v1/instruments`, { headers: bearer(OPERATOR_TOKEN) });
    expect(operatorReads.status).toBe(200);
  });

  it('refuses a browser Origin outside the allow-list (403) and accepts listed and same origins', async () => {
    const foreign = await call(`${gw.url}/v1/instruments`, {
      headers: { ...bearer(READ_TOKEN), origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toMatch(/origin "https:\/\/evil.example" is not allowed/);
    for (const origin of ['https://desk.example.com', gw.url]) {
      const ok = await call(`${gw.url}/v1/instruments`, { headers: { ...bearer(READ_TOKEN), origin } });
      expect(ok.status).toBe(200);
    }
  });

  it('never writes a token into its logs or answers', async () => {
    await call(`${gw.url}/v1/instruments`, { headers: bearer(`${READ_TOKEN}x`) });
    await call(`${gw.url}/v1/backfill`, { method: 'POST', headers: bearer(READ_TOKEN), body: { x: 1 } });
    const metrics = await call(`${gw.url}/metrics`);
    for (const text of [gw.logs(), metrics.text]) {
      expect(text).not.toContain(READ_TOKEN);
      expect(text).not.toContain(OPERATOR_TOKEN);
    }
  });
});

describe('POST /v1/backfill', () => {
  const request = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: '2024-01-01T00:00:00Z',
    to: '2024-01-02T00:00:00Z',
  };

  it('queues a valid request on <prefix>:backfill:requests', async () => {
    const reply = await call(`${gw.url}/v1/backfill`, {
      method: 'POST',
      headers: bearer(OPERATOR_TOKEN),
      body: { ...request, provider: 'binance' },
    });
    expect(reply.status).toBe(202);
    expect(reply.body.stream).toBe(`${ctx.prefix}:backfill:requests`);
    const entries = await ctx.redis.xrangeBuffer(`${ctx.prefix}:backfill:requests`, '-', '+');
    expect(entries).toHaveLength(1);
    const [id, fields] = entries[0]!;
    expect(id.toString()).toBe(reply.body.entryId);
    const fieldMap = new Map<string, Buffer>();
    for (let i = 0; i < fields.length; i += 2) fieldMap.set(fields[i]!.toString(), fields[i + 1]!);
    expect(fieldMap.get('v')!.toString()).toBe('1');
    expect(decodeAny(fieldMap.get('d')!)).toEqual({
      requestId: reply.body.requestId,
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      from: Date.UTC(2024, 0, 1),
      to: Date.UTC(2024, 0, 2),
      provider: 'binance',
      requestedAt: expect.any(Number),
    });
  });

  it.each([
    [{ ...request, timeframe: '2m' }, 'timeframe'],
    [{ ...request, to: request.from }, 'to'],
    [{ ...request, from: '2999-01-01', to: '2999-01-02' }, 'from'],
    [{ ...request, venue: undefined }, 'venue'],
    [{ ...request, extra: 1 }, 'body'],
  ])('refuses %o naming %s', async (body, param) => {
    const reply = await call(`${gw.url}/v1/backfill`, {
      method: 'POST',
      headers: bearer(OPERATOR_TOKEN),
      body,
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.param).toBe(param);
  });

  it('refuses a body that is not JSON', async () => {
    const response = await fetch(`${gw.url}/v1/backfill`, {
      method: 'POST',
      headers: { ...bearer(OPERATOR_TOKEN), 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ApiBody).error.message).toMatch(/not valid JSON/);
  });
});

describe('other routes', () => {
  it('lists configured and registry instruments with their streams', async () => {
    await ctx.redis.hset(streamKeys(ctx.prefix).instruments(), 'alpaca:AAPL', '{}', 'binance:BTCUSDT', '{}');
    const reply = await call(`${gw.url}/v1/instruments`, { headers: bearer(READ_TOKEN) });
    expect(reply.body.instruments.map((i) => [i.id, i.sources])).toEqual([
      ['alpaca:AAPL', ['registry']],
      ['binance:BTCUSDT', ['config', 'registry']],
      ['binance:ETHUSDT', ['config']],
    ]);
    expect(reply.body.instruments[1]!.streams.ticks).toBe(`${ctx.prefix}:ticks:{binance:BTCUSDT}`);
  });

  it('answers 503 for fundamentals while no fundamentals source is wired in, 400 for a bad symbol', async () => {
    const reply = await call(`${gw.url}/v1/fundamentals/AAPL`, { headers: bearer(READ_TOKEN) });
    expect(reply.status).toBe(503);
    expect(reply.body.error.message).toMatch(/fundamentals service is not available/);
    const bad = await call(`${gw.url}/v1/fundamentals/a%20b`, { headers: bearer(READ_TOKEN) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('symbol');
  });

  it('answers JSON 404 and 405 errors', async () => {
    const missing = await call(`${gw.url}/v2/nothing`, { headers: bearer(READ_TOKEN) });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const wrongMethod = await call(`${gw.url}/v1/bars`, { method: 'DELETE', headers: bearer(READ_TOKEN) });
    expect(wrongMethod.status).toBe(405);
  });

  it('reports the pipeline: gaps by cause, reconnects, dead letters, queued backfills', async () => {
    const keys = streamKeys(ctx.prefix);
    const gap = (cause: string) =>
      msgpackCodec.encode({ venue: 'binance', symbols: ['BTCUSDT'], cause, fromTs: 1, toTs: 2 });
    await ctx.redis.xadd(keys.gaps(), '*', 'v', '1', 'd', gap('reconnect'));
    await ctx.redis.xadd(keys.gaps(), '*', 'v', '1', 'd', gap('stale'));
    await ctx.redis.xadd(keys.gaps(), '*', 'v', '1', 'd', gap('sequence'));
    await ctx.redis.xadd(keys.dlq('binance'), '*', 'd', msgpackCodec.encode({ reason: 'bad' }));
    const reply = await call(`${gw.url}/v1/pipeline`, { headers: bearer(READ_TOKEN) });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      reconnects: 2,
      gaps: 3,
      gapsByCause: { reconnect: 1, stale: 1, sequence: 1 },
      deadLetters: { total: 1, bySource: { binance: 1 } },
      backfill: { queued: 1 },
    });
    expect((reply.body.instruments as unknown as { instrument: string }[]).map((i) => i.instrument)).toEqual([
      'binance:BTCUSDT',
      'binance:ETHUSDT',
    ]);
  });

  it('serves the dashboard page and its chart library without a token, and no other file', async () => {
    const page = await fetch(`${gw.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toMatch(/<script src="\/vendor\/lightweight-charts.js"/);
    const library = await fetch(`${gw.url}/vendor/lightweight-charts.js`);
    expect(library.status).toBe(200);
    expect(await library.text()).toMatch(/LightweightCharts/);
    expect((await fetch(`${gw.url}/../package.json`)).status).toBe(404);
    expect((await fetch(`${gw.url}/vendor/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('serves /healthz and /metrics without a token', async () => {
    expect((await call(`${gw.url}/healthz`)).body).toEqual({ status: 'ok', redis: 'ok' });
    const metrics = await call(`${gw.url}/metrics`);
    expect(metrics.text).toMatch(
      /tickline_gateway_http_requests_total\{route="\/v1\/bars",status="200"\} \d+/,
    );
  });
});
