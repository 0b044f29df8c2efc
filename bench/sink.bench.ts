/**
 * `npm run bench -- sink [bars]`: bars from bar streams into PostgreSQL and into the file cache through the
 * sink service, against a raw COPY of the same rows in the same run; then one year of 1m bars (525,600)
 * read back through `tickline bars --source cache` and `--source db`, each a child process.
 *
 * The raw baseline: the same Bar objects, turned into COPY text and COPYed in batches of the sink's size
 * (5,000) into an empty scratch table of identical shape (`LIKE bars_minutes INCLUDING ALL`: same columns,
 * primary key and BRIN index). `upsertBars` alone on the same rows (no Redis, no sink) is printed too, so
 * the gap splits into "upsertBars" (here the append path: every batch starts after the stored bars, see
 * docs/storage.md) and "Redis read, decode, validate, batching".
 * Uses DATABASE_URL (default the local test database) in a schema of its own, REDIS_URL under a prefix of
 * its own and a temporary cache directory; removes all three at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { ClientBase } from 'pg';
import { createRedis, ENTRY_SCHEMA_VERSION, msgpackCodec, streamKeys } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import type { Bar } from '@tickline/core';
import { startApp } from '@tickline/runtime';
import { createSinkService, type SinkOptions } from '@tickline/sink-service';
import {
  barsToCopyText,
  connectDatabase,
  copyInto,
  COPY_COLUMNS,
  migrate,
  upsertBars,
  writeCachedBars,
  type Database,
} from '@tickline/storage';
import { series } from '../packages/storage/test/bars';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'];
const T0 = Date.UTC(2025, 0, 1);
const BATCH = 5000;
const ROOT = join(__dirname, '..');

function bars(symbol: string, count: number): Bar[] {
  return series(count, { from: T0 }).map((bar) => ({ ...bar, symbol }));
}

async function publish(redis: Redis, prefix: string, all: Bar[][]): Promise<void> {
  const keys = streamKeys(prefix);
  for (const list of all) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < list.length; i += 250) {
      const chunk = list.slice(i, i + 250);
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

/** Seconds for a running sink with `options` to consume every stream from the start. */
async function sinkRun(
  env: Record<string, string>,
  redis: Redis,
  prefix: string,
  options: SinkOptions,
): Promise<number> {
  const app = await startApp({
    services: [createSinkService({ timeframes: ['1m'], ...options })],
    config: loadConfig({ env }),
  });
  // From the moment the sink runs: start-up (connections, groups) is not throughput.
  const started = performance.now();
  while (!(await drained(redis, prefix, options.group!)))
    await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = (performance.now() - started) / 1000;
  // Where the time went: writing batches (both stores, PostgreSQL's work included) versus the rest
  // (reading Redis, decoding, validating, acking), which overlaps the writes in part.
  const histogram = await app.metrics.getSingleMetric('tickline_sink_batch_seconds')?.get();
  const value = (name: string) =>
    histogram?.values.find((v) => (v as { metricName?: string }).metricName === name)?.value ?? 0;
  const batches = value('tickline_sink_batch_seconds_count');
  const writing = value('tickline_sink_batch_seconds_sum');
  console.log(
    `    (${options.group}: ${batches} batches, ${((writing / Math.max(batches, 1)) * 1000).toFixed(0)} ms each, ${writing.toFixed(2)} s writing in ${seconds.toFixed(2)} s)`,
  );
  await app.close();
  return seconds;
}

/** Seconds to COPY the rows, from Bar objects, in batches of BATCH into an empty table shaped like bars_minutes. */
async function rawCopy(db: Database, all: Bar[]): Promise<number> {
  await db.none('DROP TABLE IF EXISTS raw_copy; CREATE TABLE raw_copy (LIKE bars_minutes INCLUDING ALL)');
  const connection = await db.connect();
  try {
    const client = connection.client as unknown as ClientBase;
    const iso = (start: number) => new Date(start).toISOString();
    const started = performance.now();
    for (let i = 0; i < all.length; i += BATCH) {
      const text = barsToCopyText(all.slice(i, i + BATCH), iso);
      await copyInto(client, `COPY raw_copy (${COPY_COLUMNS.join(', ')}) FROM STDIN`, text);
    }
    return (performance.now() - started) / 1000;
  } finally {
    void connection.done();
  }
}

/** Seconds for upsertBars alone, in batches of BATCH, into an emptied bars_minutes. */
async function upsertOnly(db: Database, all: Bar[]): Promise<number> {
  await db.none('TRUNCATE bars_minutes');
  const started = performance.now();
  for (let i = 0; i < all.length; i += BATCH)
    await upsertBars(db, all.slice(i, i + BATCH), { validate: false });
  return (performance.now() - started) / 1000;
}

// GNU time, when installed, reports the child's CPU time: on a shared machine a better guide than wall time.
const GNU_TIME = '/usr/bin/time';

/**
 * `tickline bars` as a child process from source (scripts/ts-register.js, transpile cache warm), with the
 * young-generation setting of bin/tickline.js; wall time from spawn to exit, stdout counted.
 */
function timedBars(
  env: Record<string, string>,
  source: string,
  range = ['2025-01-01', '2026-01-01'],
): Promise<{ seconds: number; cpu: string; lines: number }> {
  const args = ['--venue', 'binance', '--symbol', 'YEAR', '--timeframe', '1m', '--source', source];
  const command = [
    process.execPath,
    '--max-semi-space-size=64',
    '-r',
    join(ROOT, 'scripts', 'ts-register.js'),
    join(ROOT, 'packages', 'cli', 'src', 'main.ts'),
    'bars',
    ...args,
    '--from',
    range[0]!,
    '--to',
    range[1]!,
  ];
  const timed = existsSync(GNU_TIME) ? [GNU_TIME, '-f', 'cpu %U %S', ...command] : command;
  const started = performance.now();
  const child = spawn(timed[0]!, timed.slice(1), {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lines = 0;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`tickline bars --source ${source} exited ${code}: ${stderr}`));
      const match = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
      const cpu = match ? `${(Number(match[1]) + Number(match[2])).toFixed(2)} s CPU` : 'CPU unknown';
      resolve({ seconds: (performance.now() - started) / 1000, cpu, lines: lines - 1 });
    });
  });
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
    // Interleaved as the sink's batches are (several instruments each), so every path sees the same order.
    const flat = all.flat().sort((a, b) => a.start - b.start);
    const rawSeconds = await rawCopy(db, flat);
    const upsertSeconds = await upsertOnly(db, flat);
    await db.none('TRUNCATE bars_minutes');
    const dbSeconds = await sinkRun(env, redis, prefix, { group: 'bench-db', cache: false });
    const cacheSeconds = await sinkRun(env, redis, prefix, { group: 'bench-cache', database: false });
    const rate = (seconds: number) => Math.round(total / seconds).toLocaleString('en-US');
    console.log(
      `sink bench: ${total.toLocaleString('en-US')} 1m bars, ${SYMBOLS.length} instruments, 250 bars an entry`,
    );
    console.log(`  raw COPY, batches of ${BATCH}                ${rate(rawSeconds)} bars/s`);
    console.log(`  upsertBars alone (check + binary COPY)   ${rate(upsertSeconds)} bars/s`);
    console.log(`  streams -> PostgreSQL (sink)             ${rate(dbSeconds)} bars/s`);
    console.log(`  streams -> file cache (sink)             ${rate(cacheSeconds)} bars/s`);
    console.log(`  ratio upsertBars / raw COPY              ${(rawSeconds / upsertSeconds).toFixed(2)}`);
    console.log(
      `  ratio sink(PostgreSQL) / raw COPY        ${(rawSeconds / dbSeconds).toFixed(2)} (goal >= 0.7)`,
    );

    const year = bars('YEAR', 525_600);
    for (let i = 0; i < year.length; i += 50_000)
      await upsertBars(db, year.slice(i, i + 50_000), { validate: false });
    await writeCachedBars(cacheDir, year);
    for (const source of ['cache', 'db']) {
      await timedBars(env, source, ['2025-01-01', '2025-01-02']); // warms the transpile cache
      const { seconds, cpu, lines } = await timedBars(env, source);
      console.log(
        `  tickline bars --source ${source.padEnd(5)} (process)  ${lines.toLocaleString('en-US')} rows in ${seconds.toFixed(2)} s, ${cpu} (goal < 1.5 s)`,
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
