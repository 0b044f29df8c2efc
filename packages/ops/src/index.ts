// @tickline/ops: the operator's view of a running pipeline, shared by `tickline status` and the monitor service.
export { collectStatus, statusDatabase } from './collectStatus';
export { formatBytes } from './formatBytes';
export {
  readDatabaseStats,
  type DatabaseStats,
  type HypertableStats,
  type SlowQuery,
  type TableStats,
} from './databaseStats';
export type {
  CacheStatus,
  ConsumerGroupLag,
  DatabaseStatus,
  DeadLetterStatus,
  GapsStatus,
  InstrumentStatus,
  RecentGap,
  StatusReport,
  StoreStatus,
  TableSize,
} from './statusReport';
