import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App } from '@tickline/runtime';
import { redisTestContext } from '@tickline/testkit';
import { QUEUES_CSP, SESSION_COOKIE } from '../src/http/queueDashboard';
import { bearer, call, OPERATOR_TOKEN, READ_TOKEN } from './gatewayHarness';
import { startRegistryGateway } from './registryHarness';

// Bull Board under `tickline run gateway` as the CLI builds it: the BackfillPort hands the gateway the
// real BullMQ queues (backfill requests and chunks, fundamentals refresh), shown at /admin/queues to
// the operator scope only.
const ctx = redisTestContext('tlgwqueues');
let cacheDir: string;
let app: App | undefined;
let url = '';

beforeAll(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gw-queues-'));
  ({ app, url } = await startRegistryGateway({ TICKLINE_PREFIX: ctx.prefix, TICKLINE_CACHE_DIR: cacheDir }));
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

const get = (pathAndQuery: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${pathAndQuery}`, { headers, redirect: 'manual' });

interface BoardQueues {
  queues: {
    name: string;
    isPaused: boolean;
    counts: Record<string, number>;
    jobs: { id: string; name: string }[];
  }[];
}

test('GET /admin/queues: 401 without a token, 403 with the read token, the Bull Board page with the operator token', async () => {
  expect((await get('/admin/queues')).status).toBe(401);
  expect((await get('/admin/queues', bearer('not-a-token'))).status).toBe(401);
  expect((await get('/admin/queues', bearer(READ_TOKEN))).status).toBe(403);
  expect((await get('/admin/queues/api/queues', bearer(READ_TOKEN))).status).toBe(403);
  const page = await get('/admin/queues', bearer(OPERATOR_TOKEN));
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  // The page links Google Fonts; the policy keeps the browser from fetching anything not served here.
  expect(page.headers.get('content-security-policy')).toBe(QUEUES_CSP);
  expect(QUEUES_CSP).not.toMatch(/https?:|\*/);
  const html = await page.text();
  expect(html).toMatch(/<div id="root"/);
  expect(html).toContain('<base href="/admin/queues/"'); // its assets are served under the same path
  const script = /src="(static\/js\/main\.[\w.]+\.js)"/.exec(html)![1]!;
  expect((await get(`/admin/queues/${script}`)).status).toBe(401);
  const asset = await get(`/admin/queues/${script}`, bearer(OPERATOR_TOKEN));
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toMatch(/javascript/);
});

test('the Bull Board API lists the backfill queues, with a request queued through POST /v1/backfill', async () => {
  const body = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: '2024-01-01T00:00:00Z',
    to: '2024-01-02T00:00:00Z',
  };
  const queued = await call(`${url}/v1/backfill`, { method: 'POST', headers: bearer(OPERATOR_TOKEN), body });
  expect(queued.status).toBe(202);
  const requestId = queued.body['requestId'] as string;

  const reply = await get(
    '/admin/queues/api/queues?activeQueue=backfill-requests&status=latest&page=1',
    bearer(OPERATOR_TOKEN),
  );
  expect(reply.status).toBe(200);
  const { queues } = (await reply.json()) as BoardQueues;
  expect(queues.map((q) => q.name).sort()).toEqual([
    'backfill-chunks',
    'backfill-requests',
    'fundamentals-refresh',
  ]);
  const requests = queues.find((q) => q.name === 'backfill-requests')!;
  expect(requests.jobs.map((j) => j.id)).toEqual([requestId]);
  const chunks = queues.find((q) => q.name === 'backfill-chunks')!;
  expect(Object.values(chunks.counts).reduce((a, b) => a + b, 0)).toBe(queued.body['chunks']);
});

test('a browser shows the token once: it becomes an HttpOnly session cookie for /admin/queues and leaves the address', async () => {
  const bad = await get(`/admin/queues?token=${READ_TOKEN}`);
  expect(bad.status).toBe(403);
  expect(bad.headers.get('set-cookie')).toBeNull();

  const first = await get(`/admin/queues?token=${OPERATOR_TOKEN}&x=1`);
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toBe('/admin/queues?x=1');
  const cookie = first.headers.get('set-cookie')!;
  expect(cookie).toMatch(
    new RegExp(`^${SESSION_COOKIE}=[\\w-]+; Path=/admin/queues; HttpOnly; SameSite=Strict$`),
  );
  expect(cookie).not.toContain(OPERATOR_TOKEN);
  const session = cookie.split(';')[0]!;

  expect((await get('/admin/queues', { cookie: session })).status).toBe(200);
  expect((await get('/admin/queues/api/queues', { cookie: session })).status).toBe(200);
  expect((await get('/admin/queues', { cookie: `${SESSION_COOKIE}=forged` })).status).toBe(401);
  // The cookie opens the dashboard only, not the rest of the operator API.
  const backfill = await call(`${url}/v1/backfill`, {
    method: 'POST',
    headers: { cookie: session },
    body: {},
  });
  expect(backfill.status).toBe(401);
  // Another site cannot drive a logged-in browser: its Origin is refused before anything runs.
  const paused = await fetch(`${url}/admin/queues/api/queues/backfill-requests/pause`, {
    method: 'PUT',
    headers: { cookie: session, origin: 'http://evil.example' },
  });
  expect(paused.status).toBe(403);
  const after = await get('/admin/queues/api/queues', { cookie: session });
  const { queues } = (await after.json()) as BoardQueues;
  expect(queues.every((q) => !q.isPaused)).toBe(true);
});
