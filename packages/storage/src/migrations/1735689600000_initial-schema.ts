import type { MigrationBuilder } from 'node-pg-migrate' with { 'resolution-mode': 'import' };
import { initialSchemaDown, initialSchemaUp } from '../db/schemaDdl';
import { TIMESCALE_PROBE_SQL, useTimescale, type TimescaleProbe } from '../db/timescale';

// Bars in tier tables (plain or hypertables), the `bars` view, fundamentals snapshots and gaps.

export async function up(pgm: MigrationBuilder): Promise<void> {
  const [probe] = (await pgm.db.select(TIMESCALE_PROBE_SQL)) as TimescaleProbe[];
  const timescale = probe !== undefined && useTimescale(probe);
  if (timescale) {
    pgm.sql('CREATE EXTENSION IF NOT EXISTS timescaledb');
    // The runner's search_path holds only the target schema; Timescale's functions live in the extension's.
    pgm.sql(`SELECT set_config('search_path', current_setting('search_path') || ', ' ||
      (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'timescaledb'), true)`);
  }
  for (const statement of initialSchemaUp(timescale)) pgm.sql(statement);
}

export function down(pgm: MigrationBuilder): void {
  for (const statement of initialSchemaDown()) pgm.sql(statement);
}
