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
export { upsertBars, copyInto, type UpsertOptions } from './db/upsertBars';
export { COPY_COLUMNS, barsToCopyText, copyField } from './db/copyText';
export { queryBars, queryBarChunks, type BarQuery } from './db/queryBars';
export { queryBarsCsv, type BarsCsvOptions } from './db/queryBarsCsv';
export { BARS_CSV_HEADER, barsCsvLines, isoTimeFormatter } from './barsCsv';
export { barJson, type BarJson } from './barJson';

export { writeCachedBars, type CacheWriteResult } from './cache/writeCachedBars';
export {
  readCachedBars,
  readCachedBarChunks,
  readCachedBarsCsv,
  type CacheQuery,
} from './cache/readCachedBars';
export {
  verifyCache,
  type VerifyReport,
  type FileReport,
  type CacheProblem,
  type CacheProblemCode,
} from './cache/verifyCache';
export { repairCache, type RepairSource, type RepairAction } from './cache/repairCache';
export { healYearFiles, type HealAction } from './cache/healCache';
export {
  formatCsv,
  parseCsv,
  rowsToBars,
  CACHE_COLUMNS,
  type CsvTable,
  type RowContext,
} from './cache/csvCodec';
export { yearFile, pipelineFile, symbolsFile, statsFile } from './cache/cachePaths';
export { rebuildIndex, type YearMetadata, type SymbolsIndex } from './cache/cacheMetadata';
export { withFileLock, type FileLockOptions } from './cache/fileLock';
export { writeFileAtomic } from './cache/atomicWrite';
