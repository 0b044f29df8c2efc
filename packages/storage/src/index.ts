// @tickline/storage: bars in PostgreSQL/TimescaleDB and in the gzip file cache, with one precedence rule.

export { StorageError, type StorageErrorCode } from './storageError';
export {
  precedenceKey,
  comparePrecedence,
  mergeByPrecedence,
  barKey,
  sourceRank,
  LIVE_SOURCE,
} from './precedence';

export { connectDatabase, pgp, type Database, type DatabaseOptions } from './db/database';
export { migrate, MIGRATIONS_DIR, type MigrateOptions } from './db/migrate';
export type { TimescaleMode } from './db/timescale';
export { BAR_TIERS, barTable, type BarTier } from './db/barTiers';
export {
  initialSchemaUp,
  initialSchemaDown,
  timescaleTierDdl,
  plainTierDdl,
  continuousAggregateDdl,
  DAILY_SUMMARY_VIEW,
} from './db/schemaDdl';
export { upsertBars, type UpsertOptions } from './db/upsertBars';
export { queryBars, type BarQuery } from './db/queryBars';
