// @tickline/backfill-service: BullMQ backfill jobs (chunked history requests with provider failover
// and shared rate limits), gap repair, bars handed to the sink through the bar streams.

export * from './backfillRequest';
export * from './chunkPlan';
export { chunkBars, REPAIR_REVISION, type ChunkBarsOptions } from './chunkBars';
export { retryDelay } from './retryDelay';
export { publishBars } from './barStream';
export { BackfillQueues, bullConnection, bullPrefix, CHUNKS_QUEUE, REQUESTS_QUEUE } from './backfillQueues';
export {
  enqueueBackfill,
  instrumentOf,
  type Enqueued,
  type JobSettings,
  type RequestJobData,
} from './enqueueBackfill';
export { chunkProcessor, type ChunkProcessorDeps, type ChunkResult } from './chunkProcessor';
export { startWorkers, type RequestSummary, type WorkerSettings } from './backfillWorkers';
export { backfillMetrics, type BackfillMetrics } from './backfillMetrics';
export { gapScheduler, repairRequests, type GapSchedulerOptions } from './gapScheduler';
export { createBackfillService, type BackfillServiceOptions } from './backfillService';
export { listRequests, requestProgress, type RequestProgress } from './requestProgress';
