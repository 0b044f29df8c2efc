import { TIMEFRAMES } from '@tickline/core';
import { BAR_TIERS, barTable, continuousAggregateDdl, initialSchemaUp, timescaleTierDdl } from '../src';
import { useTimescale } from '../src/db/timescale';

const minutes = BAR_TIERS.find((tier) => tier.table === 'bars_minutes')!;
const days = BAR_TIERS.find((tier) => tier.table === 'bars_days')!;

test('every timeframe has exactly one tier table', () => {
  for (const tf of TIMEFRAMES)
    expect(BAR_TIERS.filter((tier) => tier.timeframes.includes(tf))).toHaveLength(1);
  expect(barTable('1m')).toBe('bars_minutes');
  expect(barTable('1s')).toBe('bars_seconds');
  expect(barTable('4h')).toBe('bars_hours');
  expect(barTable('1M')).toBe('bars_days');
});

test('a tier becomes a hypertable with its chunk interval and a compression policy segmented by instrument', () => {
  const ddl = timescaleTierDdl(minutes);
  expect(ddl[0]).toMatch(/^CREATE TABLE bars_minutes \(/);
  expect(ddl[0]).toContain('PRIMARY KEY (venue, symbol, timeframe, start)');
  expect(ddl.slice(1)).toEqual([
    "SELECT create_hypertable('bars_minutes', by_range('start', INTERVAL '7 days'), create_default_indexes => false)",
    "ALTER TABLE bars_minutes SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, symbol, timeframe', timescaledb.compress_orderby = 'start DESC')",
    "SELECT add_compression_policy('bars_minutes', compress_after => INTERVAL '30 days')",
  ]);
});

test('chunk intervals grow with the timeframe; the daily tier is not compressed', () => {
  const intervals = BAR_TIERS.map((tier) => tier.chunkInterval);
  expect(intervals).toEqual(['1 day', '7 days', '90 days', '3650 days']);
  expect(timescaleTierDdl(days).join('\n')).not.toContain('compress');
});

test('the continuous aggregate summarises 1m bars per day, created without data and refreshed by a policy', () => {
  const [view, policy] = continuousAggregateDdl();
  expect(view).toMatch(/^CREATE MATERIALIZED VIEW bars_1m_daily WITH \(timescaledb\.continuous\) AS/);
  expect(view).toContain("FROM bars_minutes\nWHERE timeframe = '1m'");
  expect(view).toContain("GROUP BY venue, symbol, time_bucket(INTERVAL '1 day', start)");
  expect(view).toMatch(/WITH NO DATA$/);
  expect(policy).toBe(
    "SELECT add_continuous_aggregate_policy('bars_1m_daily', start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour')",
  );
});

test('plain and Timescale paths create the same tables, the Timescale one adds hypertables, policies and the aggregate', () => {
  const tables = (ddl: string[]) => ddl.flatMap((sql) => /^CREATE (?:TABLE|VIEW) (\w+)/.exec(sql)?.[1] ?? []);
  const plain = initialSchemaUp(false);
  const timescale = initialSchemaUp(true);
  expect(tables(timescale)).toEqual(tables(plain));
  expect(plain.join('\n')).not.toMatch(/timescaledb|hypertable|time_bucket/);
  expect(timescale.join('\n')).not.toContain('USING brin');
  expect(timescale.filter((sql) => sql.includes('create_hypertable'))).toHaveLength(BAR_TIERS.length);
});

test('the timescale mode decides the path', () => {
  const probe = (installed: boolean, loadable: boolean, mode: string) => ({ installed, loadable, mode });
  expect(useTimescale(probe(false, false, 'auto'))).toBe(false);
  expect(useTimescale(probe(false, true, 'auto'))).toBe(true);
  expect(useTimescale(probe(true, false, 'off'))).toBe(false);
  expect(() => useTimescale(probe(false, false, 'require'))).toThrow(/TimescaleDB was required/);
  expect(() => useTimescale(probe(true, true, 'maybe'))).toThrow(/unknown timescale mode "maybe"/);
});
