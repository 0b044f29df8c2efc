import { defaultDeps, runCli, type CliDeps } from '@tickline/cli';
import { loadConfig } from '@tickline/config';
import { readCachedBars } from '@tickline/storage';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DASHBOARD_QUERY, runDemo, type DemoSummary } from '../src/demo';
import { demoServices } from '../src/serviceRegistry';

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
      TICKLINE_GATEWAY_PORT: '0',
      DATABASE_URL: '',
    },
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  };
  const code = await runCli(['demo', '--speed', 'max', '--limit', String(LIMIT), '--exit'], deps);
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
  // The dashboard's address comes before the replay, and again in the summary; --exit then quits.
  const link = /demo: dashboard at (http:\/\/127\.0\.0\.1:\d+\/\S+)\n/.exec(stdout)?.[1];
  expect(link).toMatch(new RegExp(`:\\d+/\\${DEMO_DASHBOARD_QUERY}$`));
  expect(stdout.indexOf(`demo: dashboard at ${link}`)).toBeLessThan(stdout.indexOf('demo: replaying'));
  expect(stdout).toContain(`dashboard:       ${link}\n`);
  expect(stdout).not.toContain('serving the dashboard');
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

test('tickline demo serves the dashboard from the start, during the replay and after the summary until stopped', async () => {
  let stdout = '';
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const prefix = `${ctx.prefix}-serve`;
  const env = {
    ...process.env,
    TICKLINE_PREFIX: prefix,
    TICKLINE_CACHE_DIR: join(cacheDir, 'serve'),
    TICKLINE_LOG_LEVEL: 'silent',
    TICKLINE_GATEWAY_PORT: '0',
    DATABASE_URL: '',
  };
  const demo = runDemo({
    speed: 'max',
    limit: 1000,
    env,
    services: demoServices,
    stdout: (text) => void (stdout += text),
    loadConfig: (overrides) => loadConfig({ env: { ...env, ...overrides } }),
    serve: true,
    untilStopped: () => stopped,
  });
  let summary: DemoSummary | undefined;
  void demo.then((s) => (summary = s));
  const waitFor = async (what: RegExp) => {
    for (let i = 0; !what.test(stdout); i++) {
      if (i > 1200) throw new Error(`no ${String(what)} in:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return what.exec(stdout)!;
  };
  try {
    const [, base, query] = await waitFor(/demo: dashboard at (http:\/\/127\.0\.0\.1:\d+)\/(\S*)\n/);
    // The page answers while the replay runs (the dashboard is up before the first trade).
    const page = await fetch(`${base}/${query}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    expect(stdout).not.toContain('demo: done');

    await waitFor(/demo: serving the dashboard at \S+ until Ctrl-C/);
    expect(summary).toBeUndefined(); // still serving
    const finals = Number(/final bars out: +1m (\d+)/.exec(stdout)?.[1]);
    expect(finals).toBeGreaterThan(0);
    const bars = await fetch(
      `${base}/v1/bars?venue=binance&symbol=BTCUSDT&timeframe=1m&from=2024-08-08T00:00:00Z&to=2024-08-10T00:00:00Z`,
    );
    expect(bars.status).toBe(200);
    const body = (await bars.json()) as { bars: { symbol: string; start: string }[] };
    expect(body.bars.length).toBeGreaterThan(0);
    expect(body.bars.every((b) => b.symbol === 'BTCUSDT')).toBe(true);
    const eth = await fetch(
      `${base}/v1/bars?venue=binance&symbol=ETHUSDT&timeframe=1m&from=2024-08-08T00:00:00Z&to=2024-08-10T00:00:00Z`,
    ).then((r) => r.json() as Promise<{ bars: unknown[] }>);
    // Every final 1m bar the summary counts is served, from the file cache.
    expect(body.bars.length + eth.bars.length).toBe(finals);

    stop();
    await demo;
    expect(stdout).toContain('demo: stopping the dashboard');
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  } finally {
    stop();
    await demo.catch(() => undefined);
  }
}, 120_000);

describe('the dashboard port', () => {
  let held: Server;
  let port: number;
  beforeAll(async () => {
    held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    port = (held.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

  const demoWith = (env: Record<string, string>, configPort: string, out: (text: string) => void) => {
    const all = { ...process.env, TICKLINE_LOG_LEVEL: 'silent', DATABASE_URL: '', ...env };
    return runDemo({
      speed: 'max',
      limit: 200,
      env: all,
      services: demoServices,
      stdout: out,
      // As a config file would set it: not through TICKLINE_GATEWAY_PORT in the demo's environment.
      loadConfig: (overrides) =>
        loadConfig({ env: { ...all, TICKLINE_GATEWAY_PORT: configPort, ...overrides } }),
    });
  };

  test('a configured port that is taken gives way to a free one, and says so', async () => {
    let stdout = '';
    const env = { TICKLINE_PREFIX: `${ctx.prefix}-port`, TICKLINE_CACHE_DIR: join(cacheDir, 'port') };
    const summary = await demoWith(env, String(port), (text) => void (stdout += text));
    expect(stdout).toContain(`demo: port ${port} is taken; the dashboard listens on a free one`);
    const chosen = Number(/demo: dashboard at http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)?.[1]);
    expect(chosen).toBeGreaterThan(0);
    expect(chosen).not.toBe(port);
    expect(summary.dashboard).toContain(`:${chosen}/`);
  }, 60_000);

  test('a port asked for through TICKLINE_GATEWAY_PORT is not replaced: the demo fails saying it is taken', async () => {
    const env = {
      TICKLINE_PREFIX: `${ctx.prefix}-taken`,
      TICKLINE_CACHE_DIR: join(cacheDir, 'taken'),
      TICKLINE_GATEWAY_PORT: String(port),
    };
    await expect(demoWith(env, String(port), () => undefined)).rejects.toThrow(/EADDRINUSE/);
  }, 60_000);
});
