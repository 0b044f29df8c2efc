import * as fs from 'node:fs';
import * as path from 'node:path';
import { msgpackCodec, streamKeys } from '@tickline/bus';
import { redisTestContext, waitFor } from '@tickline/testkit';
import type { Browser, Page } from 'playwright-core';
import { series } from '../../../packages/storage/test/bars';
import { chartLibraryPath } from '../src/http/staticFiles';
import { READ_TOKEN, startTestGateway, type TestGateway } from './gatewayHarness';
import { launchChromium } from './headlessChromium';
import { publishBars } from './streamClient';

// The dashboard in Debian's headless Chromium, driven by playwright-core (no browser download).
const SCREENSHOT = path.join(__dirname, '..', '..', '..', 'test-output', 'dashboard.png');

const ctx = redisTestContext('tlgwdash');
const T0 = Date.UTC(2024, 5, 3, 9, 0);
const BARS = 120;
let gw: TestGateway;
let browser: Browser | undefined;

beforeAll(async () => {
  chartLibraryPath(); // throws, saying to install it, when lightweight-charts is missing
  gw = await startTestGateway(ctx.prefix);
  await publishBars(ctx.redis, ctx.prefix, series(BARS, { from: T0 }));
  const keys = streamKeys(ctx.prefix);
  const gap = msgpackCodec.encode({
    venue: 'binance',
    symbols: ['BTCUSDT'],
    cause: 'reconnect',
    fromTs: T0,
    toTs: T0 + 5000,
  });
  await ctx.redis.xadd(keys.gaps(), '*', 'v', '1', 'd', gap);
  await ctx.redis.xadd(keys.dlq('binance'), '*', 'd', msgpackCodec.encode({ reason: 'malformed frame' }));
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await ctx.cleanup();
});

const dashboard = <T>(page: Page, body: string): Promise<T> =>
  page.evaluate<T>(`(() => { const d = window.ticklineDashboard; ${body} })()`);

/** Pixels of the up and down candle colours and of the quality markers across the chart's canvases. */
const CANDLE_PIXELS = `
  let up = 0, down = 0, marker = 0;
  for (const canvas of document.querySelectorAll('#chart canvas')) {
    const context = canvas.getContext('2d');
    if (!context || canvas.width === 0) continue;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] === 0x26 && data[i + 1] === 0xa6 && data[i + 2] === 0x9a) up++;
      if (data[i] === 0xef && data[i + 1] === 0x53 && data[i + 2] === 0x50) down++;
      if (data[i] === 0xe9 && data[i + 1] === 0x1e && data[i + 2] === 0x63) marker++;
    }
  }
  return { up, down, marker };`;

test('shows live candles, low-quality markers with their reason on hover, and the pipeline panel', async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 760 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  const query = new URLSearchParams({
    instrument: 'binance:BTCUSDT',
    timeframe: '1m',
    from: new Date(T0).toISOString(),
    source: 'stream',
  });
  await page.goto(`${gw.url}/?${query.toString()}#token=${READ_TOKEN}`);

  await waitFor(async () => (await dashboard<number>(page, 'return d.barCount();')) === BARS, {
    timeoutMs: 30_000,
    what: 'all bars on the chart',
  }).catch(async (error: Error) => {
    const state = await page.locator('#status').textContent();
    throw new Error(`${error.message}; page status: ${state}; page errors: ${problems.join(' | ')}`);
  });
  // A live bar arriving after the page subscribed is drawn too.
  await publishBars(ctx.redis, ctx.prefix, series(1, { from: T0 + BARS * 60_000 }));
  await waitFor(async () => (await dashboard<number>(page, 'return d.barCount();')) === BARS + 1, {
    what: 'the live bar',
  });
  await dashboard(page, `d.showRange(${T0 / 1000}, ${T0 / 1000 + 60 * 60});`);
  // The test series only rises within a bar (close above open): every candle is drawn in the up colour.
  let pixels = { up: 0, down: 0, marker: 0 };
  await waitFor(
    async () => {
      pixels = await dashboard<typeof pixels>(page, CANDLE_PIXELS);
      return pixels.up > 500 && pixels.marker > 50;
    },
    { timeoutMs: 10_000, what: 'candle and marker pixels' },
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify(pixels)}`);
  });
  expect(pixels.down).toBe(0);

  // Bars 0, 7, 14... carry a gap flag (score 0.7) in the test series.
  const low = await dashboard<number[]>(page, 'return d.lowQualityTimes();');
  expect(low).toContain(T0 / 1000 + 7 * 60);
  const point = await dashboard<{ x: number; y: number }>(page, `return d.pointOf(${T0 / 1000 + 7 * 60});`);
  const box = (await page.locator('#chart').boundingBox())!;
  await page.mouse.move(box.x + point.x, box.y + point.y);
  const tooltip = page.locator('#tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
  await expect(tooltip.locator('.reason').first().textContent()).resolves.toMatch(/^gap \(−0\.3\): 7s idle$/);
  await expect(tooltip.locator('.low').textContent()).resolves.toMatch(/quality 0\.7/);

  await waitFor(async () => (await page.locator('#reconnects').textContent()) === '1', {
    what: 'the pipeline panel',
  });
  expect(await page.locator('#gaps').textContent()).toBe('1');
  expect(await page.locator('#dlq').textContent()).toBe('1 (binance 1)');
  expect(await page.locator('#backfill').textContent()).toBe('0 queued, 0 running');

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  expect(problems).toEqual([]);
  await page.close();
}, 90_000);
