/**
 * `npm run bench -- sink [bars]`: bars from bar streams into PostgreSQL and into the file cache through the
 * sink service, against a raw write of the same rows in the same run; then one year of 1m bars (525,600)
 * read back through `tickline bars --source cache` and `--source db` (in process, output counted).
 *
 * The raw baseline is a plain multi-row INSERT (5,000 rows a statement, the sink's batch size) into an
 * empty table: not COPY, which would need pg-copy-streams, a dependency not worth adding for one figure.
 * Uses DATABASE_URL (default the local test database) in a schema of its own, REDIS_URL under a prefix of
 * its own and a temporary cache directory; removes all three at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { createRedis, ENTRY_SCHEMA_VERSION, msgpackCodec, streamKeys } from '@tickline/bus';
import { runCli } from '@tickline/cli';
import { loadConfig } from '@tickline/config';
import type { Bar } from '@tickline/core';
import { startApp } from '@tickline/runtime';
import { createSinkService, type SinkOptions } from '@tickline/sink-service';
import { connectDatabase, migrate, upsertBars, writeCachedBars, type Database } from '@tickline/storage';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'];
const T0 = Date.UTC(2025, 0, 1);

function bars(symbol: string, count: number): Bar[] {
  return Array.from({ length: count }, (_, i) => {
    const open = 100 + (i % 997) * 0.01;
    return {
      venue: 'binance',
      symbol,
      timeframe: '1m',
      start: T0 + i * 60_000,
      open,
      high: open + 0.5,
      low: open - 0.25,
      close: open + 0.125,
      volume: 1 + (i % 13) * 0.1,
      trades: 1 + (i % 50),
      vwap: open + 0.1,
      final: true,
      revision: 0,
      quality: { score: 1, flags: [] },
      source: 'live',
    };
  });
}

async function publish(redis: Redis, prefix: string, all: Bar[][]): Promise<void> {
  const keys = streamKeys(prefix);
  for (const series of all) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < series.length; i += 250) {
      const chunk = series.slice(i, i + 250);
      const key = keys.bars({ venue: 'binance', symbol: chunk[0]!.symbol }, '1m');
      pipeline.xadd(key, '*', 'v', ENTRY_SCHEMA_VERSION, 'n', chunk.length, 'd', msgpackCodec.encode(chunk));
    }
    await pipeline.exec();
  }
}

async function drained(redis: Redis, prefix: string, group: string): Promise<boolean> {
  for (const symbol of SYMBOLS) {
    const groups = (await redis.xinfo(
      'GROUPS',
      streamKeys(prefix).bars({ venue: 'binance', symbol }, '1m'),
    )) as unknown[][];
    const info = groups.find((g) => g[g.indexOf('name') + 1] === group);
    if (!info || info[info.indexOf('lag') + 1] !== 0 || info[info.indexOf('pending') + 1] !== 0) return false;
  }
  return true;
}

/** Seconds for a sink with `options` to consume every stream from the start. */
async function sinkRun(
  env: Record<string, string>,
  redis: Redis,
  prefix: string,
  options: SinkOptions,
): Promise<number> {
  const started = performance.now();
  const app = await startApp({
    services: [createSinkService({ timeframes: ['1m'], ...options })],
    config: loadConfig({ env }),
  });
  while (!(await drained(redis, prefix, options.group!)))
    await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  return seconds;
}

/** The same rows as plain multi-row INSERTs of 5,000 rows, the SQL text built by hand (no library formatting). */
async function rawInsert(db: Database, all: Bar[]): Promise<number> {
  await db.none('TRUNCATE bars_minutes');
  const head =
    'INSERT INTO bars_minutes (venue, symbol, timeframe, start, open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final) VALUES ';
  const started = performance.now();
  for (let i = 0; i < all.length; i += 5000) {
    const values = all
      .slice(i, i + 5000)
      .map(
        (b) =>
          `('${b.venue}','${b.symbol}','${b.timeframe}','${new Date(b.start).toISOString()}',${b.open},${b.high},${b.low},${b.close},${b.volume},${b.trades},${b.vwap},${b.quality.score},'${JSON.stringify(b.quality.flags)}','${b.source}',${b.revision},${b.final})`,
      );
    await db.none(head + values.join(','));
  }
  return (performance.now() - started) / 1000;
}

async function timedBars(
  env: Record<string, string>,
  source: string,
): Promise<{ seconds: number; lines: number }> {
  let lines = 0;
  const started = performance.now();
  const code = await runCli(
    [
      'bars',
      '--venue',
      'binance',
      '--symbol',
      'YEAR',
      '--timeframe',
      '1m',
      '--from',
      '2025-01-01',
      '--to',
      '2026-01-01',
      '--source',
      source,
    ],
    {
      env,
      registry: {},
      stdout: (text) => {
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
      },
      stderr: (text) => process.stderr.write(text),
      runServices: () => Promise.resolve(),
    },
  );
  if (code !== 0) throw new Error(`tickline bars --source ${source} exited ${code}`);
  return { seconds: (performance.now() - started) / 1000, lines: lines - 1 };
}

/** args: [bars through the sink (default 100,000, spread over 4 instruments)]. */
export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 100_000);
  const per = Math.ceil(n / SYMBOLS.length);
  const schema = `tl_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `tlbench-${randomBytes(4).toString('hex')}`;
  const cacheDir = mkdtempSync(join(tmpdir(), 'tickline-bench-'));
  const db = connectDatabase(DATABASE_URL, { schema, max: 4 });
  const redis = createRedis({ url: REDIS_URL, commandTimeoutMs: 30_000 });
  const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const env = {
    REDIS_URL,
    DATABASE_URL: url,
    TICKLINE_PREFIX: prefix,
    TICKLINE_CACHE_DIR: cacheDir,
    TICKLINE_INSTRUMENTS: SYMBOLS.map((s) => `binance:${s}`).join(','),
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_LOG_LEVEL: 'warn',
  };
  try {
    await migrate(db, { schema });
    const all = SYMBOLS.map((symbol) => bars(symbol, per));
    await publish(redis, prefix, all);
    const total = per * SYMBOLS.length;
    const dbSeconds = await sinkRun(env, redis, prefix, { group: 'bench-db', cache: false });
    const cacheSeconds = await sinkRun(env, redis, prefix, { group: 'bench-cache', database: false });
    const rawSeconds = await rawInsert(db, all.flat());
    const rate = (seconds: number) => Math.round(total / seconds).toLocaleString('en-US');
    console.log(
      `sink bench: ${total.toLocaleString('en-US')} 1m bars, ${SYMBOLS.length} instruments, 250 bars an entry`,
    );
    console.log(`  streams -> PostgreSQL (sink, upsert)  ${rate(dbSeconds)} bars/s`);
    console.log(`  streams -> file cache (sink)          ${rate(cacheSeconds)} bars/s`);
    console.log(`  raw multi-row INSERT (not COPY)       ${rate(rawSeconds)} bars/s`);
    console.log(`  ratio sink(PostgreSQL) / raw INSERT   ${(rawSeconds / dbSeconds).toFixed(2)}`);

    const year = bars('YEAR', 525_600);
    for (let i = 0; i < year.length; i += 50_000)
      await upsertBars(db, year.slice(i, i + 50_000), { validate: false });
    await writeCachedBars(cacheDir, year);
    for (const source of ['cache', 'db']) {
      const { seconds, lines } = await timedBars(env, source);
      console.log(
        `  tickline bars --source ${source.padEnd(5)}  ${lines.toLocaleString('en-US')} rows in ${seconds.toFixed(2)} s`,
      );
    }
  } finally {
    await db.none(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.$pool.end();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
    redis.disconnect();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
