import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App } from '@tickline/runtime';
import { redisTestContext } from '@tickline/testkit';
import {
  AV_KEY,
  FMP_KEY,
  startMocks,
  type Mocks,
} from '../../../../packages/fundamentals/test/support/mocks';
import { bearer, call, OPERATOR_TOKEN, READ_TOKEN } from '../gatewayHarness';
import { FAR_BACKFILL } from './probes';
import { startRegistryGateway } from '../registryHarness';

// Probe 1: providers whose error pages echo the request (URL with `apikey=`, and the key on its own).
// `tickline run gateway` as the CLI builds it, with FMP and Alpha Vantage keyed: no answer, log line or
// metric may show either key, raw or URL-encoded.
const ctx = redisTestContext('tlgwsecret');
let mocks: Mocks;
let cacheDir: string;
let app: App | undefined;
let url = '';
let logs: () => string = () => '';

const SECRETS = [FMP_KEY, AV_KEY, READ_TOKEN, OPERATOR_TOKEN];

function expectNoSecret(where: string, text: string): void {
  for (const secret of SECRETS) {
    for (const form of [secret, encodeURIComponent(secret)]) {
      expect({ where, leaks: text.includes(form) }).toEqual({ where, leaks: false });
    }
  }
}

beforeAll(async () => {
  mocks = await startMocks();
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gw-secrets-'));
  ({ app, url, logs } = await startRegistryGateway({
    TICKLINE_PREFIX: ctx.prefix,
    TICKLINE_CACHE_DIR: cacheDir,
    TICKLINE_YAHOO_REST_URL: mocks.urls.yahoo,
    TICKLINE_FMP_REST_URL: mocks.urls.fmp,
    TICKLINE_ALPHAVANTAGE_REST_URL: mocks.urls.alphaVantage,
    FMP_API_KEY: FMP_KEY,
    ALPHAVANTAGE_API_KEY: AV_KEY,
  }));
  mocks.fmp.echoErrors = true;
  mocks.alphaVantage.echoErrors = true;
});
afterAll(async () => {
  await app?.close();
  await mocks.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

test('the echoing providers are asked with their keys, and echo them (the probe is real)', async () => {
  const reply = await fetch(`${mocks.urls.fmp}/stable/profile?symbol=AAPL&apikey=${FMP_KEY}`);
  expect(reply.status).toBe(500);
  expect(await reply.text()).toContain(`apikey=${FMP_KEY}`);
});

test('200 with two providers failing: their failures are shown scrubbed', async () => {
  const reply = await call(`${url}/v1/fundamentals/AAPL`, { headers: bearer(READ_TOKEN) });
  expect(reply.status).toBe(200);
  expect(mocks.fmp.count('/stable/')).toBeGreaterThan(0);
  expect(mocks.alphaVantage.count('/query')).toBeGreaterThan(0);
  expect(reply.text).toMatch(/fmp/);
  expect(reply.text).toMatch(/Internal Server Error while serving/);
  expectNoSecret('200 body', reply.text);
});

test('503 when every provider fails: the reason is scrubbed and capped', async () => {
  mocks.yahoo.echoErrors = true;
  try {
    const reply = await call(`${url}/v1/fundamentals/MSFT`, { headers: bearer(READ_TOKEN) });
    expect(reply.status).toBe(503);
    expect(reply.body.error.message).toMatch(/MSFT|provider/);
    expect(reply.body.error.message.length).toBeLessThanOrEqual(301);
    expectNoSecret('503 body', reply.text);
  } finally {
    mocks.yahoo.echoErrors = false;
  }
});

test('no log line and no metric holds a key', async () => {
  const metrics = await call(`${url}/metrics`);
  expect(metrics.status).toBe(200);
  expectNoSecret('metrics', metrics.text);
  expect(logs()).not.toBe('');
  expectNoSecret('logs', logs());
});

test('probe 2 against the backfill service: a request to the end of the JS era is a 400 at once', async () => {
  const started = performance.now();
  const reply = await call(`${url}/v1/backfill`, {
    method: 'POST',
    headers: bearer(OPERATOR_TOKEN),
    body: FAR_BACKFILL,
  });
  expect(reply.status).toBe(400);
  expect(reply.body.error.param).toBe('to');
  expect(performance.now() - started).toBeLessThan(1000);
  expect((await call(`${url}/healthz`)).status).toBe(200);
});
