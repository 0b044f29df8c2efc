// @tickline/ingestor-service: venue feeds to Redis Streams.
export {
  FEED_FACTORIES,
  symbolsByVenue,
  type FeedFactories,
  type FeedFactory,
  type FeedFactoryContext,
} from './feedFactories';
export { registerIngestMetrics, rejectReasonClass, type IngestMetrics } from './ingestMetrics';
export { Ingestor, type IngestClock, type IngestorLogger, type IngestorOptions } from './ingestor';
export {
  buildFeeds,
  createIngestorService,
  ingestorService,
  redisFromConfig,
  type IngestorServiceOptions,
} from './ingestorService';
export { LatencyTracker } from './latencyTracker';
