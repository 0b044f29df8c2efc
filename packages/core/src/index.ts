// @tickline/core: the domain model every other package speaks, and the pure arithmetic on it.

export { CoreError, type CoreErrorCode } from './coreError';
export {
  describeInput,
  finiteNumber,
  positiveNumber,
  nonNegativeNumber,
  count,
  unitInterval,
  epochMs,
  label,
} from './numberSchemas';
export { SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS, MAX_EPOCH_MS } from './timeUnits';

export { VENUES, VenueSchema, type Venue } from './venue';
export { SymbolSchema } from './symbol';
export { ASSET_CLASSES, AssetClassSchema, type AssetClass } from './assetClass';
export { InstrumentSchema, type Instrument } from './instrument';
export { instrumentId, parseInstrumentId, type InstrumentRef } from './instrumentId';

export { SIDES, SideSchema, TradeSchema, type Side, type Trade } from './trade';
export { QuoteSchema, type Quote } from './quote';
export {
  QUALITY_FLAG_CODES,
  QualityFlagSchema,
  BarQualitySchema,
  type QualityFlag,
  type QualityFlagCode,
  type BarQuality,
} from './barQuality';
export { BarSchema, type Bar } from './bar';
export {
  MissingIntervalSchema,
  QualityReportSchema,
  type MissingInterval,
  type QualityReport,
} from './qualityReport';
export {
  CurrencySchema,
  FundamentalFieldSchema,
  FundamentalsSchema,
  type FundamentalField,
  type Fundamentals,
} from './fundamentals';

export {
  TIMEFRAMES,
  TimeframeSchema,
  parseTimeframe,
  isTimeframe,
  isFixedTimeframe,
  timeframeMs,
  compareTimeframes,
  type Timeframe,
  type FixedTimeframe,
} from './timeframe';
export { ERA_START_MS, ERA_END_MS, MAX_REQUEST_SPAN_MS, eraProblem, spanProblem } from './requestBounds';
export { floorTime, nextBoundary } from './floorTime';
export { isMultipleOf } from './isMultipleOf';
export { zoneOffsetMs, wallTime, zonedWallTimeToUtc, type WallTime } from './zonedTime';
export {
  EQUITY_TIME_ZONE,
  equitySessionDay,
  equitySession,
  isInEquitySession,
  type EquitySession,
  type EquitySessionOptions,
} from './equitySession';

export {
  ClassificationRuleSchema,
  defaultClassificationRules,
  KNOWN_ETFS,
  type ClassificationRule,
} from './classificationRules';
export { classifySymbol } from './classifySymbol';

export {
  MAX_LINE_LENGTH,
  LineSplitter,
  lineTooLong,
  longLineIn,
  type LineSplitterOptions,
} from './lineSplitter';
