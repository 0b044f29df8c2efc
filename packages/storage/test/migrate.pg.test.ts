import { fork } from 'node:child_process';
import * as path from 'node:path';
import { migrate } from '../src';
import { BAR_TIERS, DAILY_SUMMARY_VIEW } from '../src';
import { testSchema, type TestSchema } from './testDatabase';

let t: TestSchema;
beforeEach(() => {
  t = testSchema();
});
afterEach(async () => {
  await t.drop();
});

async function tables(): Promise<string[]> {
  const rows = await t.db.any<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
    [t.schema],
  );
  return rows.map((row) => row.name);
}

const SCHEMA_TABLES = [
  'bars',
  'bars_days',
  'bars_hours',
  'bars_minutes',
  'bars_seconds',
  'fundamentals_snapshots',
  'gaps',
  'pgmigrations',
];

test('up, down, up: the schema comes, goes and comes back', async () => {
  expect(await migrate(t.db, { schema: t.schema })).toEqual(['1735689600000_initial-schema']);
  expect(await tables()).toEqual(SCHEMA_TABLES);
  expect(await migrate(t.db, { schema: t.schema })).toEqual([]);

  expect(await migrate(t.db, { schema: t.schema, direction: 'down' })).toEqual([
    '1735689600000_initial-schema',
  ]);
  expect(await tables()).toEqual(['pgmigrations']);

  expect(await migrate(t.db, { schema: t.schema })).toEqual(['1735689600000_initial-schema']);
  expect(await tables()).toEqual(SCHEMA_TABLES);
});

test('plain PostgreSQL gets the primary key and a BRIN index on start', async () => {
  await migrate(t.db, { schema: t.schema, timescale: 'off' });
  const indexes = await t.db.map(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'bars_minutes' ORDER BY 1`,
    [t.schema],
    (row: { indexdef: string }) => row.indexdef.replace(` ${t.schema}.`, ' '),
  );
  expect(indexes).toEqual([
    'CREATE UNIQUE INDEX bars_minutes_pkey ON bars_minutes USING btree (venue, symbol, timeframe, start)',
    "CREATE INDEX bars_minutes_start_brin ON bars_minutes USING brin (start) WITH (pages_per_range='32')",
  ]);
});

test('timescale "require" fails clearly where TimescaleDB is absent', async () => {
  const available = await t.db.oneOrNone(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
  if (available) return; // this server has it: the TIMESCALE_URL lane covers it
  await expect(migrate(t.db, { schema: t.schema, timescale: 'require' })).rejects.toThrow(
    /migrating schema tl_test_\w+ failed: .*TimescaleDB was required/,
  );
  expect(await tables()).toEqual(['pgmigrations']);
});

test('two processes migrating at once: one applies, the other waits and finds nothing to do', async () => {
  const child = path.join(__dirname, 'fixtures', 'migrateChild.js');
  const run = () =>
    new Promise<string[]>((resolve, reject) => {
      const proc = fork(child, [t.schema], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      proc.on('message', (ran) => resolve(ran as string[]));
      proc.on('error', reject);
      proc.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`migrate child exited ${code}`))));
    });
  const results = await Promise.all([run(), run(), run()]);
  expect(results.map((ran) => ran.length).sort()).toEqual([0, 0, 1]);
  expect(await tables()).toEqual(SCHEMA_TABLES);
  const rows = await t.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM pgmigrations`);
  expect(rows.n).toBe(1);
});

// The TimescaleDB lane: runs only where TIMESCALE_URL names a server with the extension.
const onTimescale = process.env.TIMESCALE_URL ? test : test.skip;

onTimescale(
  'TimescaleDB: a hypertable per tier with its chunk interval, compression, the daily aggregate',
  async () => {
    await migrate(t.db, { schema: t.schema, timescale: 'require' });
    const dimensions = await t.db.map(
      `SELECT hypertable_name AS name, time_interval::text AS chunk FROM timescaledb_information.dimensions
     WHERE hypertable_schema = $1 ORDER BY 1`,
      [t.schema],
      (row: { name: string; chunk: string }) => [row.name, row.chunk],
    );
    const expected = await t.db.map(
      `SELECT name, interval::text AS chunk FROM unnest($1::text[], $2::interval[]) AS x(name, interval) ORDER BY 1`,
      [BAR_TIERS.map((tier) => tier.table), BAR_TIERS.map((tier) => tier.chunkInterval)],
      (row: { name: string; chunk: string }) => [row.name, row.chunk],
    );
    expect(dimensions).toEqual(expected);
    const compressed = await t.db.map(
      `SELECT hypertable_name AS name FROM timescaledb_information.hypertables
     WHERE hypertable_schema = $1 AND compression_enabled ORDER BY 1`,
      [t.schema],
      (row: { name: string }) => row.name,
    );
    expect(compressed).toEqual(
      BAR_TIERS.filter((tier) => tier.compressAfter !== null)
        .map((tier) => tier.table)
        .sort(),
    );
    const aggregates = await t.db.map(
      `SELECT view_name AS name FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1`,
      [t.schema],
      (row: { name: string }) => row.name,
    );
    expect(aggregates).toEqual([DAILY_SUMMARY_VIEW]);
  },
);
