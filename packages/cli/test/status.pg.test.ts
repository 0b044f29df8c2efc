import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { msgpackCodec, streamKeys, writeHeartbeat } from '@tickline/bus';
import { runCli, type CliDeps } from '@tickline/cli';
import { upsertBars } from '@tickline/storage';
import { redisTestContext } from '@tickline/testkit';
import { series } from '../../storage/test/bars';
import { DATABASE_URL, useMigratedSchema } from '../../storage/test/testDatabase';
import type { StatusReport } from '@tickline/ops';
import { formatAge } from '../src/status/renderStatus';

const ctx = redisTestContext('tlstatus');
const schema = useMigratedSchema();
const keys = streamKeys(ctx.prefix);
const btc = { venue: 'binance', symbol: 'BTCUSDT' } as const;
let cacheDir: string;

beforeAll(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-status-'));
  fs.mkdirSync(path.join(cacheDir, 'ohlcv', 'BTCUSDT', '1m'), { recursive: true });
  fs.writeFileSync(path.join(cacheDir, 'ohlcv', 'BTCUSDT', '1m', '2026.csv.gz'), Buffer.alloc(123));
});
afterAll(async () => {
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

async function status(format: 'text' | 'json', env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    env: {
      TICKLINE_PREFIX: ctx.prefix,
      TICKLINE_CACHE_DIR: cacheDir,
      TICKLINE_INSTRUMENTS: 'binance:BTCUSDT,binance:ETHUSDT',
      ...env,
    },
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runServices: () => Promise.resolve(),
  };
  const code = await runCli(['status', '--format', format], deps);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout;
}

const xadd = (key: string, id: string, payload: unknown) =>
  ctx.redis.xadd(key, id, 'v', '1', 'n', '1', 'd', msgpackCodec.encode(payload));

test('status shows services, tick and bar ages, consumer lag, gaps, dead letters and stores', async () => {
  const now = Date.now();
  const base = { version: '9.9.9', pid: 7, ttlMs: 15_000, phase: 'running', url: 'http://127.0.0.1:9464' };
  await writeHeartbeat(ctx.redis, ctx.prefix, {
    ...base,
    service: 'ingestor',
    instance: 'h:7',
    startedAt: now - 3_600_000,
    beatAt: now - 2000,
  });
  await writeHeartbeat(ctx.redis, ctx.prefix, {
    ...base,
    service: 'sink',
    instance: 'h:8',
    startedAt: now - 7_200_000,
    beatAt: now - 120_000,
  });
  // Three tick entries written 30 s, 20 s and 10 s ago; the aggregator group has read two, acked one.
  const ticks = keys.ticks(btc);
  for (const ago of [30_000, 20_000, 10_000]) await xadd(ticks, `${now - ago}-0`, [{ price: 1 }]);
  await ctx.redis.xgroup('CREATE', ticks, 'aggregator', '0');
  const read = (await ctx.redis.xreadgroup(
    'GROUP',
    'aggregator',
    'a1',
    'COUNT',
    2,
    'STREAMS',
    ticks,
    '>',
  )) as [string, [string, string[]][]][];
  await ctx.redis.xack(ticks, 'aggregator', read[0]![1][0]![0]);
  // The newest 1m entry is a partial; the final before it closed 90 s ago.
  const minute = Math.floor(now / 60_000) * 60_000;
  const bars = keys.bars(btc, '1m');
  await xadd(bars, `${now - 5000}-0`, { start: now - 150_000, final: true });
  await xadd(bars, `${now - 4000}-0`, { start: minute, final: false });
  await xadd(keys.gaps(), '1-0', [
    { venue: 'binance', symbols: ['BTCUSDT'], cause: 'sequence', fromTs: 1000, toTs: 2000, missing: 4 },
  ]);
  await xadd(keys.dlq('binance'), '1-0', { raw: '{', reason: 'bad JSON' });
  await xadd(keys.dlq('binance'), '2-0', { raw: '{', reason: 'bad JSON' });

  const report = JSON.parse(await status('json')) as StatusReport;
  expect(report.services.map((s) => [s.service, s.alive, s.version])).toEqual([
    ['ingestor', true, '9.9.9'],
    ['sink', false, '9.9.9'],
  ]);
  const [btcStatus, ethStatus] = report.instruments;
  expect(btcStatus).toMatchObject({ instrument: 'binance:BTCUSDT', tickEntries: 3 });
  expect(btcStatus!.lastTickAgeMs).toBeGreaterThanOrEqual(10_000);
  expect(btcStatus!.lastTickAgeMs).toBeLessThan(20_000);
  expect(btcStatus!.lastFinalBarAgeMs).toBeGreaterThanOrEqual(90_000);
  expect(btcStatus!.lastFinalBarAgeMs).toBeLessThan(100_000);
  expect(btcStatus!.groups).toEqual([{ group: 'aggregator', lag: 1, pending: 1 }]);
  expect(ethStatus).toMatchObject({ tickEntries: 0, groups: [] });
  expect(ethStatus!.lastTickAgeMs).toBeUndefined();
  expect(report.gaps).toEqual({
    total: 1,
    recent: [
      { venue: 'binance', symbols: ['BTCUSDT'], cause: 'sequence', fromTs: 1000, toTs: 2000, missing: 4 },
    ],
  });
  expect(report.deadLetters).toEqual([{ source: 'binance', entries: 2 }]);
  expect(report.database).toMatchObject({ configured: false, ok: true });
  expect(report.cache).toMatchObject({ ok: true, detail: `${cacheDir}: 1 bar files, 123 bytes` });

  const text = await status('text');
  expect(text).toMatch(/ingestor\s+h:7\s+alive\s+9\.9\.9\s+1h00m/);
  expect(text).toMatch(/sink\s+h:8\s+DEAD/);
  expect(text).toMatch(/binance:BTCUSDT\s+3\s+1\d(\.\d)?s\s+1m3\ds\s+aggregator lag 1 pending 1/);
  expect(text).toMatch(
    /binance BTCUSDT sequence: 1970-01-01T00:00:01\.000Z .. 1970-01-01T00:00:02\.000Z, 4 trades missing/,
  );
  expect(text).toMatch(/binance: 2 entries/);
});

test('ages read as an operator expects', () => {
  expect(formatAge(undefined)).toBe('-');
  expect(formatAge(1234)).toBe('1.2s');
  expect(formatAge(65_000)).toBe('1m05s');
  expect(formatAge(3 * 3600_000 + 12 * 60_000)).toBe('3h12m');
  expect(formatAge(2 * 86_400_000 + 4 * 3600_000)).toBe('2d04h');
});

test('status reports a reachable database with its tables, and an unreachable one with the reason', async () => {
  const { db, schema: name } = schema.current();
  await upsertBars(db, series(500));
  await db.none('ANALYZE bars_minutes');
  // The schema travels in the URL, as an operator running Tickline in its own schema would set it.
  const url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  const up = JSON.parse(await status('json', { DATABASE_URL: url })) as StatusReport;
  expect(up.database).toMatchObject({ configured: true, ok: true });
  expect(up.database.bytes).toBeGreaterThan(0);
  expect(up.database.tables?.find((t) => t.table === 'bars_minutes')).toEqual({
    table: 'bars_minutes',
    bytes: expect.any(Number),
    rows: 500,
  });
  expect(up.database.tables?.map((t) => t.table)).toEqual(
    expect.arrayContaining(['bars_minutes', 'fundamentals_snapshots', 'gaps']),
  );
  expect(up.database.detail).toMatch(/^\d+(\.\d)? (bytes|kB|MB|GB), about 500 bar rows$/);
  const down = JSON.parse(
    await status('json', { DATABASE_URL: 'postgres://127.0.0.1:1/test' }),
  ) as StatusReport;
  expect(down.database).toMatchObject({ configured: true, ok: false });
  expect(down.database.error).toMatch(/ECONNREFUSED/);
});
