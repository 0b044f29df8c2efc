import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App } from '@tickline/runtime';
import { redisTestContext } from '@tickline/testkit';
import type { Browser } from 'playwright-core';
import { OPERATOR_TOKEN } from './gatewayHarness';
import { launchChromium } from './headlessChromium';
import { startRegistryGateway } from './registryHarness';

// Bull Board in a real browser: it renders the queues, and nothing the page asks for leaves the gateway
// (its page links Google Fonts; the dashboard's Content-Security-Policy keeps the browser from fetching it).
const ctx = redisTestContext('tlgwqboard');
let cacheDir: string;
let app: App | undefined;
let url = '';
let browser: Browser | undefined;

beforeAll(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gw-qboard-'));
  ({ app, url } = await startRegistryGateway({ TICKLINE_PREFIX: ctx.prefix, TICKLINE_CACHE_DIR: cacheDir }));
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

test('the queue dashboard renders the backfill and fundamentals queues and requests nothing from elsewhere', async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 760 } });
  const requested: string[] = [];
  const refused: string[] = [];
  const scriptErrors: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('requestfailed', (request) => refused.push(`${request.url()} ${request.failure()?.errorText}`));
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  await page.goto(`${url}/admin/queues?token=${OPERATOR_TOKEN}`);
  for (const queue of ['backfill-requests', 'backfill-chunks', 'fundamentals-refresh']) {
    await page.getByText(queue).first().waitFor({ timeout: 30_000 });
  }
  expect(page.url()).toBe(`${url}/admin/queues`); // the token left the address
  expect(scriptErrors).toEqual([]);
  expect(requested.length).toBeGreaterThan(3); // the page, its scripts and its API calls
  // Chromium reports the font stylesheet as a request, refused by the policy before it reaches the network.
  const elsewhere = requested.filter((address) => new URL(address).origin !== url);
  expect(refused).toEqual(elsewhere.map((address) => `${address} csp`));
  await page.close();
}, 90_000);
