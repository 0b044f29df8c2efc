// @tickline/sink-service: bar streams to PostgreSQL/TimescaleDB and the gzip file cache.
export { createSinkService } from './sinkService';
export { DEFAULT_TIMEFRAMES, type SinkOptions } from './sinkOptions';
export { BarBatcher, type BarBatcherOptions } from './barBatcher';
export { StoreWriter, SinkStoppingError, databaseStore, cacheStore, type BarStore } from './storeWriter';
export { isRetryable } from './retryable';
