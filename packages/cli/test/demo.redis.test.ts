import { defaultDeps, runCli, type CliDeps } from '@tickline/cli';
import { readCachedBars } from '@tickline/storage';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LIMIT = 3000;
let ctx: RedisTestContext;
let cacheDir: string;
beforeAll(() => {
  ctx = redisTestContext('tldemo');
  cacheDir = mkdtempSync(join(tmpdir(), 'tickline-demo-'));
});
afterAll(async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

test('tickline demo replays both sessions through ingestor, aggregator and sink and prints the summary', async () => {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    ...defaultDeps(),
    env: {
      ...process.env,
      TICKLINE_PREFIX: ctx.prefix,
      TICKLINE_CACHE_DIR: cacheDir,
      TICKLINE_LOG_LEVEL: 'silent',
      DATABASE_URL: '',
    },
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  };
  const code = await runCli(['demo', '--speed', 'max', '--limit', String(LIMIT)], deps);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toContain(`demo: key prefix ${ctx.prefix}`);
  expect(stdout).toContain(
    `trades in:       BTCUSDT ${LIMIT}, ETHUSDT ${LIMIT} (${2 * LIMIT} frames replayed)`,
  );
  const line = /final bars out: +(.*) \(revisions (\d+)\)/.exec(stdout);
  expect(line).not.toBeNull();
  const perTimeframe = new Map(
    (line?.[1] ?? '').split(', ').map((part) => {
      const [tf = '', n = '0'] = part.split(' ');
      return [tf, Number(n)] as const;
    }),
  );
  expect([...perTimeframe.keys()]).toEqual(['1m', '5m', '15m', '1h', '4h', '1d']);
  for (const n of perTimeframe.values()) expect(n).toBeGreaterThan(0);
  expect(stdout).toMatch(/quality scores: +\S/);
  expect(stdout).toContain('dashboard:       not yet: it comes with the gateway service');
  expect(stdout).toContain(`demo: watch it with  TICKLINE_PREFIX=${ctx.prefix} npx tickline status`);

  const latency = /latency: +tick XADD to final bar p50 (\d+) ms, p99 (\d+) ms over (\d+) bars/.exec(stdout);
  expect(latency).not.toBeNull();
  expect(Number(latency![1])).toBeLessThanOrEqual(Number(latency![2]));
  // Every 1m bar but the last of each instrument is closed by a later trade; so are some coarser ones.
  expect(Number(latency![3])).toBeGreaterThanOrEqual(perTimeframe.get('1m')! - 2);

  let cached = 0;
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    const bars = await readCachedBars(cacheDir, {
      venue: 'binance',
      symbol,
      timeframe: '1m',
      from: Date.UTC(2024, 7, 8),
      to: Date.UTC(2024, 7, 10),
    });
    expect(bars.length).toBeGreaterThan(0);
    expect(bars.every((b) => b.final && b.symbol === symbol)).toBe(true);
    cached += bars.length;
  }
  expect(cached).toBe(perTimeframe.get('1m'));
}, 120_000);
