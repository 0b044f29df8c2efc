import { loadConfig } from '@tickline/config';
import { createBackfillService } from '@tickline/backfill-service';
import { BinanceRestMock } from '@tickline/history';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { progressLine, renderStatus } from '../src/backfillCommands';
import { runCli, type CliDeps } from '../src';

const T0 = Date.UTC(2026, 0, 1);
let ctx: RedisTestContext;
let mock: BinanceRestMock;
let app: App;

const env = () => ({
  TICKLINE_PREFIX: ctx.prefix,
  TICKLINE_BINANCE_REST_URL: mock.url,
  TICKLINE_METRICS_PORT: '0',
  TICKLINE_LOG_LEVEL: 'error',
});

beforeAll(async () => {
  ctx = redisTestContext('tlbfcli');
  mock = await BinanceRestMock.start();
  app = await startApp({
    services: [createBackfillService({ repair: false })],
    config: loadConfig({ env: env() }),
  });
});
afterAll(async () => {
  await app.close();
  await mock.close();
  await ctx.cleanup();
});

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    env: env(),
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runServices: () => Promise.resolve(),
  };
  const code = await runCli(argv, deps);
  return { code, stdout, stderr };
}

const range = (days: number) => [
  '--from',
  '2026-01-01T00:00:00Z',
  '--to',
  new Date(T0 + days * 86_400_000).toISOString(),
];

describe('tickline backfill', () => {
  it('queues a request and with --wait follows it to the end: rows, rate, ETA, provider', async () => {
    const ethTwoDays = [
      'backfill',
      '--venue',
      'binance',
      '--symbol',
      'ETHUSDT',
      '--timeframe',
      '1m',
      ...range(2),
    ];
    const run = await cli([...ethTwoDays, '--wait']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^backfill binance\.ETHUSDT\.1m\.[0-9a-f]{16}: 3 chunk\(s\) of 1m bars\n/);
    const last = run.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      /^\[#{20}\] 2,880\/2,880 rows {2}chunks 3\/3 {2}[\d,]+ rows\/s {2}done {2}provider binance:raw$/,
    );

    const again = await cli(ethTwoDays);
    expect(again.stdout).toContain('(already queued or done: nothing added)');
    expect(mock.stats.requests).toBe(3);
  });

  it('lists failed requests in backfill status, with the reason', async () => {
    expect((await cli(['backfill', 'status'])).stdout).toBe(
      'no backfill requests running, queued or failed\n',
    );
    // A 4xx is the request's fault; pinned to Binance there is no failover either: the request fails.
    const pinnedDay = ['--venue', 'binance', '--symbol', 'NOSUCHCOIN', '--timeframe', '1h', ...range(1)];
    const askPinned = () => cli(['backfill', ...pinnedDay, '--provider', 'binance', '--wait']);
    mock.failNext(1, 400);
    const failing = await askPinned();
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(
      /backfill binance\.NOSUCHCOIN\.1h\.[0-9a-f]+ failed: chunk .*answered 400/,
    );
    const status = await cli(['backfill', 'status']);
    expect(status.stdout).toMatch(
      /^failed \(1\):\n {2}binance:NOSUCHCOIN 1h 2026-01-01T00:00:00.000Z \.\. 2026-01-02T00:00:00.000Z {2}chunks 0\/1 {2}rows 0 {2}chunk /,
    );

    // Asked again, the failed request starts over and completes.
    const retried = await askPinned();
    expect(retried.code).toBe(0);
    expect(retried.stdout).not.toContain('already queued');
    expect(retried.stdout).toMatch(/24\/24 rows .* done {2}provider binance:raw\n$/);
    expect((await cli(['backfill', 'status'])).stdout).toBe(
      'no backfill requests running, queued or failed\n',
    );
  });

  it('names what is missing or wrong before touching the queue', async () => {
    const missing = await cli(['backfill', '--venue', 'binance', '--symbol', 'BTCUSDT']);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('tickline backfill needs --timeframe, --from, --to'),
    });
    const bad = await cli([
      'backfill',
      '--venue',
      'binance',
      '--symbol',
      'BTCUSDT',
      '--timeframe',
      '7m',
      ...range(1),
    ]);
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('timeframe: timeframe must be one of'),
    });
  });
});

describe('progressLine and renderStatus', () => {
  const progress = {
    id: 'x',
    state: 'running' as const,
    request: {
      venue: 'binance' as const,
      symbol: 'BTCUSDT',
      timeframe: '1m' as const,
      from: T0,
      to: T0 + 86_400_000,
    },
    chunks: 4,
    chunksDone: 1,
    rows: 1000,
    expectedBars: 1440,
    sources: ['binance:raw'],
    createdAt: 0,
  };

  it('shows the share done, the rate since queued and the time left at that pace', () => {
    expect(progressLine(progress, 10_000)).toBe(
      '[#####...............] 1,000/1,440 rows  chunks 1/4  100 rows/s  ETA 30s  provider binance:raw',
    );
    expect(progressLine({ ...progress, chunksDone: 0, rows: 0, sources: [] }, 10_000)).toContain(
      'ETA ?  provider -',
    );
  });

  it('groups requests by state', () => {
    expect(renderStatus([progress])).toBe(
      'running (1):\n  binance:BTCUSDT 1m 2026-01-01T00:00:00.000Z .. 2026-01-02T00:00:00.000Z  chunks 1/4  rows 1,000\n',
    );
  });
});
