// @tickline/aggregation: pure bar building. No I/O and no clock: time comes only from trades'
// event times and explicit advanceTo()/flush() calls. The rules are in README.md.

export { AggregationError, type AggregationErrorCode } from './aggregationError';
export { BarBuilder, barFromBuilder, ohlcv, type BarLabel, type Ohlcv } from './barBuilder';
export { barGrid, specName, type BarGrid, type EquityDaySpec, type TimeBarSpec } from './barGrid';
export {
  type AggregationEvent,
  type AggregationStats,
  type BarEvent,
  type MissingEvent,
  type RejectionEvent,
  type RejectionReason,
} from './events';
export { DEFAULT_GATE_OPTIONS, TradeGate, type GateOptions } from './tradeGate';
export { TimeBarAggregator, type TimeBarAggregatorOptions } from './timeBarAggregator';
export { tradeAt, type TradeColumns } from './tradeColumns';
export { aggregateBars, type AggregateBarsOptions } from './aggregateBars';
export { roundVolume } from './roundVolume';
export {
  ThresholdBarAggregator,
  type ThresholdBar,
  type ThresholdBarAggregatorOptions,
  type ThresholdSpec,
} from './thresholdBarAggregator';
export { rollup, type RollupOptions } from './rollup';
export {
  type AggregatorState,
  type BuilderState,
  type GateState,
  type LaneState,
  type SlotState,
  type StoredNumber,
  type ThresholdAggregatorState,
  type TimeAggregatorState,
} from './aggregatorState';
export {
  DEFAULT_QUALITY_RULES,
  scoreBar,
  type BarEvidence,
  type ExternalEvidence,
  type FeedGap,
  type QualityRules,
  type ReferenceBar,
} from './quality';
export {
  saleConditionUpdates,
  UPDATES_ALL,
  UPDATES_EXTREMES,
  UPDATES_LAST,
  UPDATES_VOLUME,
} from './saleConditions';
export { medianOf, NORM_WINDOW, RunningNorm, type NormState, type NormStats } from './runningNorm';
