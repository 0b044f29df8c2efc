import { randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { ENTRY_SCHEMA_VERSION, msgpackCodec, streamKeys } from '@tickline/bus';
import type { Bar, Timeframe } from '@tickline/core';
import { connectDatabase, migrate, type Database } from '@tickline/storage';
import type { App } from '@tickline/runtime';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { series } from '../../packages/storage/test/bars';
import { DATABASE_URL, TIMESCALE_MODE } from '../../packages/storage/test/testDatabase';

export const T0 = Date.UTC(2025, 0, 1);
export const INSTRUMENTS = ['binance:BTCUSDT', 'binance:ETHUSDT'] as const;

/** Where a sink under test works: its key prefix, its file cache, and its database (`''`: none). */
export interface SinkPlaces {
  readonly prefix: string;
  readonly cacheDir: string;
  readonly databaseUrl: string;
}

/** The environment of a sink under test: its places, the two INSTRUMENTS, no fixed metrics port. */
export function sinkEnv(places: SinkPlaces, logLevel = 'silent'): Record<string, string> {
  return {
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_LOG_LEVEL: logLevel,
    TICKLINE_PREFIX: places.prefix,
    TICKLINE_INSTRUMENTS: INSTRUMENTS.join(','),
    TICKLINE_CACHE_DIR: places.cacheDir,
    DATABASE_URL: places.databaseUrl,
  };
}

const STEP: Partial<Record<Timeframe, number>> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };

/** `count` final bars of one instrument and timeframe from T0 (storage's test series, another symbol). */
export function barSeries(symbol: string, timeframe: Timeframe, count: number, from = T0): Bar[] {
  return series(count, { from, stepMs: STEP[timeframe] ?? 60_000, timeframe }).map((bar) => ({
    ...bar,
    symbol,
  }));
}

/** XADDs bars onto their streams, `perEntry` records per entry, as the bus publisher lays entries out. */
export async function publishBars(
  redis: Redis,
  prefix: string,
  bars: readonly Bar[],
  perEntry = 50,
): Promise<void> {
  const keys = streamKeys(prefix);
  const pipeline = redis.pipeline();
  for (let i = 0; i < bars.length; i += perEntry) {
    const chunk = bars.slice(i, i + perEntry);
    const first = chunk[0]!;
    const key = keys.bars({ venue: first.venue, symbol: first.symbol }, first.timeframe);
    pipeline.xadd(key, '*', 'v', ENTRY_SCHEMA_VERSION, 'n', chunk.length, 'd', msgpackCodec.encode(chunk));
  }
  await pipeline.exec();
}

/** A migrated schema of its own on `url`; `drop()` removes it. */
export async function ownSchema(
  url = DATABASE_URL,
): Promise<{ schema: string; db: Database; url: string; drop(): Promise<void> }> {
  const schema = `tl_test_${randomBytes(5).toString('hex')}`;
  const db = connectDatabase(url, { schema, max: 4 });
  await migrate(db, { schema, timescale: url === DATABASE_URL ? TIMESCALE_MODE : 'auto' });
  return {
    schema,
    db,
    // The CLI and a child sink reach the schema through the URL (libpq's `options` startup parameter).
    url: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      await db.none(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.$pool.end();
    },
  };
}

/** Every stored bar, in key order, with the columns the sink writes. */
export async function allRows(db: Database): Promise<unknown[]> {
  return db.any(
    `SELECT venue, symbol, timeframe, start, open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final, updated_at
     FROM (SELECT * FROM bars_minutes UNION ALL SELECT * FROM bars_hours) b ORDER BY venue, symbol, timeframe, start`,
  );
}

export function tempCache(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'tickline-sink-'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Every file below the cache root (data, metadata, index) with its bytes, by path. */
export async function cacheFiles(root: string): Promise<Record<string, string>> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries.filter((e) => e.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(entry.parentPath, entry.name);
    files[file.slice(root.length)] = (await fs.readFile(file)).toString('base64');
  }
  return files;
}

export interface SinkTestStores {
  readonly ctx: RedisTestContext;
  readonly schema: Awaited<ReturnType<typeof ownSchema>>;
  readonly cache: ReturnType<typeof tempCache>;
}

/**
 * The Redis prefix, PostgreSQL schema and cache directory of one test file: made before its tests,
 * removed after them. Read the fields inside tests (they are set in beforeAll).
 */
export function useSinkStores(label: string): SinkTestStores {
  const stores = {} as { -readonly [K in keyof SinkTestStores]: SinkTestStores[K] };
  beforeAll(async () => {
    stores.ctx = redisTestContext(label);
    stores.schema = await ownSchema();
    stores.cache = tempCache();
  });
  afterAll(async () => {
    await stores.ctx.cleanup();
    await stores.schema.drop();
    stores.cache.remove();
  });
  return stores;
}

/** A bar as one line of its fields in a fixed order (flag keys too: jsonb reorders them). */
function barLine(bar: Bar): string {
  const flags = bar.quality.flags.map((f) => [f.code, f.penalty, f.detail]);
  return JSON.stringify([
    bar.venue,
    bar.symbol,
    bar.timeframe,
    bar.start,
    bar.open,
    bar.high,
    bar.low,
    bar.close,
    bar.volume,
    bar.trades,
    bar.vwap,
    bar.final,
    bar.revision,
    bar.source,
    bar.quality.score,
    flags,
  ]);
}

/**
 * Asserts `actual` equals `expected` bar for bar, fast enough for hundreds of thousands (jest's deep
 * equality took about ten seconds per 200,000); the first differing bar is shown with toEqual.
 */
export function expectSameBars(actual: readonly Bar[], expected: readonly Bar[]): void {
  expect(actual.length).toBe(expected.length);
  const index = expected.findIndex((bar, i) => barLine(bar) !== barLine(actual[i]!));
  if (index !== -1) expect(actual[index]).toEqual(expected[index]);
  expect(index).toBe(-1);
}

/** The sum of a metric's samples in a running app, over those carrying `labels`. */
export async function metricTotal(
  app: App,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = app.metrics.getSingleMetric(name);
  if (metric === undefined) throw new Error(`${name} is not registered`);
  return (await metric.get()).values
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}
