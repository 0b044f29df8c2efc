import { BAR_TIERS, type BarTier } from './barTiers';

// The schema as data: pure functions returning SQL statements, so the TimescaleDB path is unit-tested
// without a TimescaleDB server and the migration only decides which list to run. Tables are unqualified:
// the migration runner sets search_path to the target schema.

/**
 * Prices and volumes are `double precision`: JS numbers are doubles, so `numeric` would only add a
 * string parse per value on every read; a double round-trips every decimal of up to 15 significant
 * digits (venue prices have at most 8 decimals), and relative error on sums stays near 1e-16.
 */
export function barTableDdl(table: string): string {
  return `CREATE TABLE ${table} (
  venue text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL,
  start timestamptz NOT NULL,
  open double precision NOT NULL,
  high double precision NOT NULL,
  low double precision NOT NULL,
  close double precision NOT NULL,
  volume double precision NOT NULL,
  trades bigint NOT NULL,
  vwap double precision NOT NULL,
  quality_score double precision NOT NULL,
  quality_flags jsonb NOT NULL DEFAULT '[]',
  source text NOT NULL,
  revision integer NOT NULL DEFAULT 0,
  final boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, symbol, timeframe, start)
)`;
}

/**
 * Plain PostgreSQL: the primary key already serves every instrument range scan (it leads with the
 * instrument and ends with `start`). A BRIN index on `start` adds cross-instrument time scans
 * ("everything in the last hour", retention deletes) for a few pages: rows arrive roughly in time order.
 */
export function plainTierDdl(tier: BarTier): string[] {
  return [
    barTableDdl(tier.table),
    `CREATE INDEX ${tier.table}_start_brin ON ${tier.table} USING brin (start) WITH (pages_per_range = 32)`,
  ];
}

/**
 * TimescaleDB: a hypertable per tier with its own chunk interval. No default time index: chunk
 * exclusion does the time pruning and the primary key serves instrument ranges. Compression segments
 * by instrument and timeframe (one query reads one segment) and orders by start.
 */
export function timescaleTierDdl(tier: BarTier): string[] {
  const ddl = [
    barTableDdl(tier.table),
    `SELECT create_hypertable('${tier.table}', by_range('start', INTERVAL '${tier.chunkInterval}'), create_default_indexes => false)`,
  ];
  if (tier.compressAfter !== null) {
    ddl.push(
      `ALTER TABLE ${tier.table} SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, symbol, timeframe', timescaledb.compress_orderby = 'start DESC')`,
      `SELECT add_compression_policy('${tier.table}', compress_after => INTERVAL '${tier.compressAfter}')`,
    );
  }
  return ddl;
}

export const DAILY_SUMMARY_VIEW = 'bars_1m_daily';

/**
 * The one continuous aggregate that pays: a per-instrument daily summary of 1m bars (OHLCV, bar count,
 * worst and mean quality). Dashboards and `tickline status` scan months of it instead of 1,440 rows a
 * day. Higher timeframes are NOT continuous aggregates: the aggregator stores them itself with their own
 * quality flags and revisions, which a rollup in SQL could not reproduce.
 * Created WITH NO DATA (allowed inside the migration's transaction); the policy fills it.
 */
export function continuousAggregateDdl(): string[] {
  return [
    `CREATE MATERIALIZED VIEW ${DAILY_SUMMARY_VIEW} WITH (timescaledb.continuous) AS
SELECT venue, symbol, time_bucket(INTERVAL '1 day', start) AS day,
  first(open, start) AS open, max(high) AS high, min(low) AS low, last(close, start) AS close,
  sum(volume) AS volume, sum(trades) AS trades, count(*) AS bars,
  min(quality_score) AS min_quality, avg(quality_score) AS mean_quality
FROM bars_minutes
WHERE timeframe = '1m'
GROUP BY venue, symbol, time_bucket(INTERVAL '1 day', start)
WITH NO DATA`,
    `SELECT add_continuous_aggregate_policy('${DAILY_SUMMARY_VIEW}', start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour')`,
  ];
}

/** Every bar of every tier, for ad-hoc SQL and stats. The application reads and writes the tier tables. */
export function barsViewDdl(): string {
  const columns =
    'venue, symbol, timeframe, start, open, high, low, close, volume, trades, vwap, quality_score, quality_flags, source, revision, final, updated_at';
  return `CREATE VIEW bars AS\n${BAR_TIERS.map((tier) => `SELECT ${columns} FROM ${tier.table}`).join('\nUNION ALL\n')}`;
}

/** Fundamentals as fetched: one JSONB body per provider and fetch, with where it came from. */
export function fundamentalsDdl(): string[] {
  return [
    `CREATE TABLE fundamentals_snapshots (
  id bigserial PRIMARY KEY,
  symbol text NOT NULL,
  provider text NOT NULL,
  fetched_at timestamptz NOT NULL,
  data jsonb NOT NULL,
  provenance jsonb NOT NULL DEFAULT '{}',
  quality_score double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (symbol, provider, fetched_at)
)`,
    `CREATE INDEX fundamentals_snapshots_latest ON fundamentals_snapshots (symbol, fetched_at DESC)`,
  ];
}

/** Feed gaps and their backfill state; the unique key makes re-reporting the same gap idempotent. */
export function gapsDdl(): string[] {
  return [
    `CREATE TABLE gaps (
  id bigserial PRIMARY KEY,
  venue text NOT NULL,
  symbol text NOT NULL,
  timeframe text,
  from_ts timestamptz NOT NULL,
  to_ts timestamptz NOT NULL,
  cause text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'backfilling', 'filled', 'failed')),
  detail jsonb NOT NULL DEFAULT '{}',
  detected_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  CHECK (to_ts >= from_ts),
  UNIQUE (venue, symbol, from_ts, to_ts, cause)
)`,
    `CREATE INDEX gaps_open ON gaps (status, detected_at) WHERE status <> 'filled'`,
  ];
}

/** The whole first schema, for plain PostgreSQL or TimescaleDB. */
export function initialSchemaUp(timescale: boolean): string[] {
  const tiers = BAR_TIERS.flatMap((tier) => (timescale ? timescaleTierDdl(tier) : plainTierDdl(tier)));
  return [
    ...tiers,
    barsViewDdl(),
    ...(timescale ? continuousAggregateDdl() : []),
    ...fundamentalsDdl(),
    ...gapsDdl(),
  ];
}

/** Reverses initialSchemaUp on either path (dropping a hypertable drops its chunks and policies). */
export function initialSchemaDown(): string[] {
  return [
    `DROP MATERIALIZED VIEW IF EXISTS ${DAILY_SUMMARY_VIEW}`,
    'DROP VIEW IF EXISTS bars',
    ...BAR_TIERS.map((tier) => `DROP TABLE IF EXISTS ${tier.table}`),
    'DROP TABLE IF EXISTS fundamentals_snapshots',
    'DROP TABLE IF EXISTS gaps',
  ];
}
