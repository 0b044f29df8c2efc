import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackfillQueues, bullConnection, listRequests } from '@tickline/backfill-service';
import type { TicklineConfig } from '@tickline/config';
import type { App } from '@tickline/runtime';
import { redisTestContext, waitFor } from '@tickline/testkit';
import { startMocks, type Mocks } from '../../../packages/fundamentals/test/support/mocks';
import { bearer, call, OPERATOR_TOKEN, READ_TOKEN } from './gatewayHarness';
import { startRegistryGateway } from './registryHarness';

// `tickline run gateway` as the CLI builds it: POST /v1/backfill queues on the backfill service's BullMQ
// queue; /v1/fundamentals reads through the fundamentals service (Yahoo's mock, the keyed providers unset).
const ctx = redisTestContext('tlgwbf');
let mocks: Mocks;
let cacheDir: string;
let config: TicklineConfig;
let app: App | undefined;
let url = '';

beforeAll(async () => {
  mocks = await startMocks();
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gw-registry-'));
  ({ app, url, config } = await startRegistryGateway({
    TICKLINE_PREFIX: ctx.prefix,
    TICKLINE_CACHE_DIR: cacheDir,
    TICKLINE_YAHOO_REST_URL: mocks.urls.yahoo,
  }));
});
afterAll(async () => {
  await app?.close();
  await mocks.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

test('fundamentals come from the fundamentals service; a symbol no provider knows is a 503 saying so', async () => {
  const reply = await call(`${url}/v1/fundamentals/AAPL`, { headers: bearer(READ_TOKEN) });
  expect(reply.status).toBe(200);
  const served = reply.body['served'] as { provider: string }[];
  expect(served.map((s) => s.provider)).toEqual(['yahoo']);
  expect(reply.body['skipped']).toEqual([
    { provider: 'fmp', reason: 'no API key: set FMP_API_KEY' },
    { provider: 'alphavantage', reason: 'no API key: set ALPHAVANTAGE_API_KEY' },
  ]);
  expect(mocks.yahoo.count()).toBeGreaterThan(0);
  const unknown = await call(`${url}/v1/fundamentals/ZZZZ`, { headers: bearer(READ_TOKEN) });
  expect(unknown.status).toBe(503);
  expect(unknown.body.error.message).toMatch(/ZZZZ/);
});

test('a backfill request is queued on the backfill service and shows in the pipeline figures', async () => {
  const body = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: '2024-01-01T00:00:00Z',
    to: '2024-01-03T00:00:00Z',
  };
  const reply = await call(`${url}/v1/backfill`, { method: 'POST', headers: bearer(OPERATOR_TOKEN), body });
  expect(reply.status).toBe(202);
  expect(reply.body).toMatchObject({
    status: 'queued',
    chunks: expect.any(Number),
    requestId: expect.any(String),
  });
  const again = await call(`${url}/v1/backfill`, { method: 'POST', headers: bearer(OPERATOR_TOKEN), body });
  expect(again.body).toMatchObject({ status: 'exists', requestId: reply.body['requestId'] });

  const connection = bullConnection(config, 'test');
  const queues = new BackfillQueues(connection, config.prefix);
  try {
    const requests = await listRequests(queues, ['queued', 'running']);
    expect(requests.map((r) => r.id)).toEqual([reply.body['requestId']]);
  } finally {
    await queues.close();
    connection.disconnect();
  }
  await waitFor(async () => {
    const pipeline = await call(`${url}/v1/pipeline`, { headers: bearer(READ_TOKEN) });
    return (pipeline.body['backfill'] as { queued: number }).queued === 1;
  });
});

test('a request no provider serves is a 400 saying why', async () => {
  const body = {
    venue: 'alpaca',
    symbol: 'AAPL',
    timeframe: '1s',
    from: '2024-01-02T15:00:00Z',
    to: '2024-01-02T16:00:00Z',
  };
  const reply = await call(`${url}/v1/backfill`, { method: 'POST', headers: bearer(OPERATOR_TOKEN), body });
  expect(reply.status).toBe(400);
  expect(reply.body.error.message).toMatch(
    /^the backfill service refused the request: no provider serves alpaca:AAPL 1s/,
  );
});
