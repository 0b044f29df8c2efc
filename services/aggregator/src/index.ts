// @tickline/aggregator-service: tick streams to bar streams, exactly once.
export { createAggregatorService } from './aggregatorService';
export { aggregatorStateCodec, InstrumentWorker, type WorkerDeps } from './instrumentWorker';
export {
  DEFAULT_AGGREGATOR_TIMEFRAMES,
  resolveAggregatorOptions,
  type AggregatorOptions,
} from './aggregatorOptions';
export { batchOutputs, type BatchOutputs } from './barOutputs';
export { aggregatorMetrics, type AggregatorMetrics } from './aggregatorMetrics';
