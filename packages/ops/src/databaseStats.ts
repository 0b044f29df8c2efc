import type { Database } from '@tickline/storage';

export interface TableStats {
  readonly table: string;
  readonly bytes: number;
  readonly liveRows: number;
  /** Rows inserted since the statistics were reset: with `statsSince`, the table's growth. */
  readonly inserted: number;
  readonly updated: number;
  readonly lastAutovacuum: string | null;
}

export interface SlowQuery {
  readonly query: string;
  readonly calls: number;
  readonly meanMs: number;
  readonly totalMs: number;
}

export interface HypertableStats {
  readonly hypertable: string;
  readonly chunks: number;
  readonly compressionEnabled: boolean;
  readonly bytesBeforeCompression: number | null;
  readonly bytesAfterCompression: number | null;
}

export interface DatabaseStats {
  readonly database: string;
  readonly bytes: number;
  /** When PostgreSQL's counters were last reset (null: never, since the cluster was made). */
  readonly statsSince: string | null;
  readonly tables: readonly TableStats[];
  /** Undefined when pg_stat_statements is not installed in this database. */
  readonly slowQueries?: readonly SlowQuery[];
  /** Undefined on plain PostgreSQL. */
  readonly hypertables?: readonly HypertableStats[];
}

const TICKLINE_TABLES = `(relname LIKE 'bars\\_%' OR relname IN ('fundamentals', 'gaps', 'pgmigrations'))`;

/**
 * What `tickline db stats` shows: sizes, growth counters per table, the slowest statements when
 * pg_stat_statements is available, and chunk and compression figures when TimescaleDB is.
 */
export async function readDatabaseStats(db: Database): Promise<DatabaseStats> {
  const head = await db.one<{ database: string; bytes: string; since: Date | null }>(
    `SELECT current_database() AS database, pg_database_size(current_database())::text AS bytes,
            (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS since`,
  );
  const tables = await db.any<{
    table: string;
    bytes: string;
    live: string;
    ins: string;
    upd: string;
    vacuum: Date | null;
  }>(
    `SELECT relname AS table, pg_total_relation_size(relid)::text AS bytes, n_live_tup::text AS live,
            n_tup_ins::text AS ins, n_tup_upd::text AS upd, last_autovacuum AS vacuum
       FROM pg_stat_user_tables
      WHERE schemaname = ANY (current_schemas(false)) AND ${TICKLINE_TABLES}
      ORDER BY relname`,
  );
  const extensions = new Set(
    (await db.any<{ extname: string }>('SELECT extname FROM pg_extension')).map((e) => e.extname),
  );
  return {
    database: head.database,
    bytes: Number(head.bytes),
    statsSince: head.since?.toISOString() ?? null,
    tables: tables.map((t) => ({
      table: t.table,
      bytes: Number(t.bytes),
      liveRows: Number(t.live),
      inserted: Number(t.ins),
      updated: Number(t.upd),
      lastAutovacuum: t.vacuum?.toISOString() ?? null,
    })),
    ...(extensions.has('pg_stat_statements') ? { slowQueries: await slowQueries(db) } : {}),
    ...(extensions.has('timescaledb') ? { hypertables: await hypertables(db) } : {}),
  };
}

async function slowQueries(db: Database): Promise<SlowQuery[]> {
  const rows = await db.any<{ query: string; calls: string; mean: number; total: number }>(
    `SELECT query, calls::text, mean_exec_time AS mean, total_exec_time AS total
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY mean_exec_time DESC LIMIT 5`,
  );
  return rows.map((r) => ({ query: r.query, calls: Number(r.calls), meanMs: r.mean, totalMs: r.total }));
}

/** TimescaleDB's information views (documented for 2.x); never reached on plain PostgreSQL. */
async function hypertables(db: Database): Promise<HypertableStats[]> {
  const rows = await db.any<{
    name: string;
    chunks: number;
    compression: boolean;
    before: string | null;
    after: string | null;
  }>(
    `SELECT h.hypertable_name AS name, h.num_chunks AS chunks, h.compression_enabled AS compression,
            s.before_compression_total_bytes::text AS before, s.after_compression_total_bytes::text AS after
       FROM timescaledb_information.hypertables h
       LEFT JOIN LATERAL hypertable_compression_stats(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) s
         ON true
      ORDER BY h.hypertable_name`,
  );
  return rows.map((r) => ({
    hypertable: r.name,
    chunks: r.chunks,
    compressionEnabled: r.compression,
    bytesBeforeCompression: r.before === null ? null : Number(r.before),
    bytesAfterCompression: r.after === null ? null : Number(r.after),
  }));
}
