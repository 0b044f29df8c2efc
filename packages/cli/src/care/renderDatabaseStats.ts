import { formatBytes, type DatabaseStats } from '@tickline/ops';
import { textTable } from '../textTable';

/** `tickline db stats` as text: sizes, growth counters, slow statements, TimescaleDB figures. */
export function renderDatabaseStats(stats: DatabaseStats): string {
  const since = stats.statsSince === null ? 'since the cluster was made' : `since ${stats.statsSince}`;
  const out = [`database ${stats.database}: ${formatBytes(stats.bytes)} (counters ${since})`, ''];
  if (stats.tables.length === 0) {
    out.push('no Tickline tables in this schema: run tickline db migrate');
  } else {
    const rows = stats.tables.map((t) => [
      t.table,
      formatBytes(t.bytes),
      String(t.liveRows),
      String(t.inserted),
      String(t.updated),
      t.lastAutovacuum ?? '-',
    ]);
    out.push(...textTable(['table', 'size', 'live rows', 'inserted', 'updated', 'last autovacuum'], rows));
  }
  out.push('');
  if (stats.slowQueries === undefined) {
    out.push(
      'slow queries: pg_stat_statements is not installed here (shared_preload_libraries, then CREATE EXTENSION pg_stat_statements)',
    );
  } else {
    out.push('slowest statements by mean time (pg_stat_statements):');
    for (const q of stats.slowQueries) {
      const text = q.query.replace(/\s+/g, ' ').slice(0, 100);
      out.push(`  ${q.meanMs.toFixed(2)} ms mean, ${q.calls} calls: ${text}`);
    }
  }
  if (stats.hypertables === undefined) {
    out.push('timescaledb: not installed (plain PostgreSQL: tiered tables with time-range indexes)');
  } else {
    const rows = stats.hypertables.map((h) => [
      h.hypertable,
      String(h.chunks),
      h.compressionEnabled ? 'on' : 'off',
      h.bytesBeforeCompression === null ? '-' : formatBytes(h.bytesBeforeCompression),
      h.bytesAfterCompression === null ? '-' : formatBytes(h.bytesAfterCompression),
    ]);
    out.push('timescaledb hypertables:');
    out.push(
      ...textTable(['hypertable', 'chunks', 'compression', 'before', 'after'], rows).map((l) => `  ${l}`),
    );
  }
  return `${out.join('\n')}\n`;
}
