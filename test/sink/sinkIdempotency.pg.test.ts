import { promises as fs } from 'node:fs';
import { loadConfig } from '@tickline/config';
import { queryBars, readCachedBars, yearFile } from '@tickline/storage';
import { runCli, type CliDeps } from '@tickline/cli';
import { createSinkService } from '@tickline/sink-service';
import { startApp, type App } from '@tickline/runtime';
import { waitFor } from '@tickline/testkit';
import { allRows, barSeries, cacheFiles, publishBars, T0, useSinkStores, sinkEnv } from './sinkHarness';

const stores = useSinkStores('tlsink');

const env = () =>
  sinkEnv({ prefix: stores.ctx.prefix, cacheDir: stores.cache.root, databaseUrl: stores.schema.url }, 'warn');

const input = [
  ...barSeries('BTCUSDT', '1m', 3000),
  ...barSeries('ETHUSDT', '1m', 2000),
  ...barSeries('BTCUSDT', '1h', 500),
  { ...barSeries('ETHUSDT', '1h', 1)[0]!, final: false }, // a partial: database only
];

async function sinkUntil(rows: number): Promise<App> {
  const app = await startApp({
    services: [createSinkService({ timeframes: ['1m', '1h'], consumer: 'test-sink' })],
    config: loadConfig({ env: env() }),
  });
  await waitFor(
    async () =>
      (await stores.schema.db.one<{ n: number }>('SELECT count(*)::int AS n FROM bars_minutes')).n +
        (await stores.schema.db.one<{ n: number }>('SELECT count(*)::int AS n FROM bars_hours')).n >=
        rows &&
      (await stores.ctx.redis.xpending(`${stores.ctx.prefix}:bars:{binance:BTCUSDT}:1m`, 'sink'))[0] === 0,
    { timeoutMs: 20000 },
  );
  return app;
}

async function cli(argv: string[]) {
  let stdout = '';
  const deps: CliDeps = {
    env: env(),
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: () => undefined,
    runServices: () => Promise.resolve(),
  };
  const code = await runCli(argv, deps);
  return { code, stdout };
}

test('the same bar stream sunk twice leaves exactly the same rows and files', async () => {
  await publishBars(stores.ctx.redis, stores.ctx.prefix, input);
  let app = await sinkUntil(input.length);
  await waitFor(async () => Object.keys(await cacheFiles(stores.cache.root)).length >= 6, {
    timeoutMs: 10000,
  });
  await app.close();
  const rows = await allRows(stores.schema.db);
  const files = await cacheFiles(stores.cache.root);
  expect(rows).toHaveLength(input.length);

  await publishBars(stores.ctx.redis, stores.ctx.prefix, input); // the whole stream again, as new entries
  app = await sinkUntil(input.length);
  await waitFor(
    async () =>
      (await stores.ctx.redis.xpending(`${stores.ctx.prefix}:bars:{binance:ETHUSDT}:1h`, 'sink'))[0] === 0,
  );
  const lengths = await stores.ctx.redis.xlen(`${stores.ctx.prefix}:bars:{binance:BTCUSDT}:1m`);
  await waitFor(async () => {
    const info = (await stores.ctx.redis.xinfo(
      'GROUPS',
      `${stores.ctx.prefix}:bars:{binance:BTCUSDT}:1m`,
    )) as unknown[][];
    return info[0]?.[info[0].indexOf('entries-read') + 1] === lengths;
  });
  await app.close();
  expect(await allRows(stores.schema.db)).toEqual(rows);
  expect(await cacheFiles(stores.cache.root)).toEqual(files);
  expect(await stores.ctx.redis.xlen(`${stores.ctx.prefix}:dlq:sink`)).toBe(0);
});

test('tickline bars prints the same CSV and JSON from the database and from the cache', async () => {
  const range = ['--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m'];
  const times = ['--from', new Date(T0 + 60_000 * 10).toISOString(), '--to', String(T0 + 60_000 * 2500)];
  for (const format of ['csv', 'json']) {
    const db = await cli(['bars', ...range, ...times, '--source', 'db', '--format', format]);
    const cached = await cli(['bars', ...range, ...times, '--source', 'cache', '--format', format]);
    expect(db.code).toBe(0);
    expect(cached.stdout).toBe(db.stdout);
    if (format === 'csv') {
      const lines = db.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('start,open,high,low,close,volume,trades,vwap,quality');
      expect(lines).toHaveLength(2491);
      expect(lines[1]).toBe('2025-01-01T00:10:00.000Z,100.1,100.6,99.85,100.225,2,11,100.19999999999999,1');
    } else {
      expect(JSON.parse(db.stdout)).toHaveLength(2490);
    }
  }
});

test('tickline cache verify and stats report a healthy cache', async () => {
  const verify = await cli(['cache', 'verify']);
  expect(verify.code).toBe(0);
  expect(verify.stdout).toMatch(/checked 3 files, 0 with problems/);
  const stats = await cli(['cache', 'stats']);
  expect(stats.stdout).toContain('BTCUSDT 1m: 1 files, 3000 rows');
  expect(stats.stdout).toMatch(/total: 3 files, 5500 rows/);
});

test('tickline cache repair restores a truncated year file from the database', async () => {
  const file = yearFile(stores.cache.root, 'BTCUSDT', '1m', 2025);
  const bytes = await fs.readFile(file);
  await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const verify = await cli(['cache', 'verify']);
  expect(verify.code).toBe(1);
  expect(verify.stdout).toContain(`${file}: truncated`);
  const repair = await cli(['cache', 'repair']);
  expect(repair.code).toBe(0);
  expect(repair.stdout).toMatch(/from database 3000, written 3000/);
  expect((await cli(['cache', 'verify'])).code).toBe(0);
  const query = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: 0,
    to: Date.UTC(2030, 0, 1),
  } as const;
  expect(await readCachedBars(stores.cache.root, query)).toEqual(await queryBars(stores.schema.db, query));
});
