// The shared live-feed base every venue builds on.
export type {
  FeedEvent,
  FeedGap,
  FeedListener,
  FeedReject,
  FeedStats,
  GapCause,
  LiveFeed,
  TradeAmendment,
  VenueBar,
} from './feedEvents';
export { FeedEmitter } from './feedEmitter';
export { FeedBase, emptyFeedStats } from './feedBase';
export {
  BackoffSchedule,
  DEFAULT_BACKOFF,
  backoffCeiling,
  fullJitterDelay,
  type BackoffOptions,
} from './backoff';
export {
  DEFAULT_WATCHDOG,
  SilenceWatchdog,
  silenceThreshold,
  updateMeanGap,
  type StaleVerdict,
  type WatchdogOptions,
} from './silenceWatchdog';
export { SequenceTracker, checkSequence, type SequenceVerdict } from './sequenceTracker';
export {
  WsConnection,
  type WsCloseInfo,
  type WsConnectionHandlers,
  type WsConnectionOptions,
} from './wsConnection';
