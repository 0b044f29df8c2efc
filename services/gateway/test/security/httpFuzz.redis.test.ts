import fc from 'fast-check';
import { TIMEFRAMES, VENUES } from '@tickline/core';
import { redisTestContext } from '@tickline/testkit';
import { ROUTES } from '../../src';
import { bearer, OPERATOR_TOKEN, startTestGateway, type TestGateway } from '../gatewayHarness';

// A fuzzing pass over every HTTP route: generated query parameters, path parameters and JSON bodies,
// each answered with a 2xx or 4xx (never a 5xx but the documented 503 of fundamentals without a service,
// never a hang) within a second, in bounded memory, with /healthz answering afterwards.
const ctx = redisTestContext('tlgwhttpfuzz');
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(ctx.prefix);
});
afterAll(async () => {
  await gw.close();
  await ctx.cleanup();
});

const RUNS = 150;

// Strings an attacker tries: near-valid values, era edges, path tricks, huge and odd numbers, unicode.
const nasty = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    '..',
    '../ETC',
    '%2e%2e',
    '.',
    'A/..',
    '\u0000',
    '1e20',
    '-1',
    '8640000000000000',
    '9'.repeat(400),
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '2024-01-01',
    '2024-01-02T00:00:00Z',
    '2199-12-31T23:59:59Z',
    '1899-12-31',
    'NaN',
    'Infinity',
    '0x10',
    'BTCUSDT',
    'AAPL',
  ),
  fc.integer().map(String),
  fc.double().map(String),
);
const timeText = fc.oneof(
  nasty,
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const barsQuery = fc.record(
  {
    venue: fc.oneof(fc.constantFrom(...VENUES), nasty),
    symbol: fc.oneof(fc.constantFrom('BTCUSDT', 'ETHUSDT', 'BRK.B', 'BTC/USD'), nasty),
    timeframe: fc.oneof(fc.constantFrom(...TIMEFRAMES), nasty),
    from: timeText,
    to: timeText,
    source: fc.oneof(fc.constantFrom('db', 'cache'), nasty),
    extra: nasty,
  },
  { requiredKeys: [] },
);
const bodyValue = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.date().map(Number),
);
const backfillBody = fc.oneof(
  fc.record(
    {
      venue: fc.oneof(fc.constantFrom(...VENUES), bodyValue),
      symbol: fc.oneof(fc.constant('BTCUSDT'), bodyValue),
      timeframe: fc.oneof(fc.constantFrom(...TIMEFRAMES), bodyValue),
      from: fc.oneof(timeText, bodyValue),
      to: fc.oneof(timeText, bodyValue),
      provider: fc.oneof(fc.constant('binance'), bodyValue),
      extra: bodyValue,
    },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 3 }),
);

/** One request, checked to answer within a second with an allowed status. */
async function probe(
  path: string,
  init: { method?: string; body?: string; type?: string } = {},
  allowed: (status: number) => boolean = (status) => status < 500,
): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${gw.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...bearer(OPERATOR_TOKEN), ...(init.type === undefined ? {} : { 'content-type': init.type }) },
    body: init.body,
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  expect({ path, status: response.status, ok: allowed(response.status), slow: ms >= 1000 }).toEqual({
    path,
    status: response.status,
    ok: true,
    slow: false,
  });
  if (response.status >= 400) expect(JSON.parse(text)).toHaveProperty('error.code');
  return response.status;
}

let heapBefore = 0;
beforeAll(() => {
  heapBefore = process.memoryUsage().heapUsed;
});
afterEach(async () => {
  expect(await probe('/healthz')).toBe(200);
  // The gateway runs in this process: what the pass kept must stay small.
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
});

test('every route is fuzzed here', () => {
  const fuzzed = [
    '/healthz',
    '/metrics',
    '/v1/openapi.json',
    '/v1/bars',
    '/v1/instruments',
    '/v1/fundamentals/{symbol}',
    '/v1/backfill',
    '/v1/pipeline',
    '/v1/stream',
  ];
  expect(ROUTES.map((route) => route.path).sort()).toEqual([...fuzzed].sort());
});

test('GET /v1/bars: any query is a 200 or a 4xx naming a parameter', async () => {
  await fc.assert(
    fc.asyncProperty(barsQuery, async (params) => {
      const status = await probe(`/v1/bars?${new URLSearchParams(params).toString()}`);
      expect([200, 400, 429]).toContain(status);
    }),
    { numRuns: RUNS },
  );
});

test('GET /v1/fundamentals/{symbol}: any path segment is a 4xx or the documented 503', async () => {
  await fc.assert(
    fc.asyncProperty(nasty, async (symbol) => {
      const status = await probe(
        `/v1/fundamentals/${encodeURIComponent(symbol)}`,
        {},
        (s) => s < 500 || s === 503,
      );
      expect([400, 404, 503]).toContain(status);
    }),
    { numRuns: RUNS },
  );
});

test('POST /v1/backfill: any body, any content type, is a 202 or a 4xx', async () => {
  const type = fc.oneof(
    fc.constant('application/json'),
    fc.constantFrom('application/json-patch', 'text/plain', 'application/json; charset=utf-8', ''),
    fc.string({ maxLength: 20 }),
  );
  const raw = fc.oneof(
    backfillBody.map((body) => JSON.stringify(body) ?? 'null'),
    fc.string({ maxLength: 200 }),
  );
  await fc.assert(
    fc.asyncProperty(raw, type, async (body, contentType) => {
      const status = await probe('/v1/backfill', { method: 'POST', body, type: contentType || undefined });
      expect([202, 400, 413, 429]).toContain(status);
    }),
    { numRuns: RUNS },
  );
});

test('the other routes: any query string, any method, is answered without a 5xx', async () => {
  const paths = [
    '/healthz',
    '/metrics',
    '/v1/openapi.json',
    '/v1/instruments',
    '/v1/pipeline',
    '/v1/stream',
    '/nowhere',
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...paths),
      fc.dictionary(fc.string({ maxLength: 10 }), nasty, { maxKeys: 4 }),
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      async (path, query, method) => {
        const status = await probe(`${path}?${new URLSearchParams(query).toString()}`, { method });
        expect(status).toBeLessThan(500);
      },
    ),
    { numRuns: RUNS },
  );
});
