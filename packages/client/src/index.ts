// @tickline/client: bars and ticks of a running Tickline as RxJS Observables, for Node strategies.

export { createClient, TicklineClient, type BarsOptions, type TicksOptions } from './ticklineClient';
export type { BarEvent, BarOrigin } from './barEvent';
export { BarStitcher, precedenceRank, STITCHER_DEFAULTS, type BarStitcherOptions } from './barStitcher';
export { ClientError, type ClientErrorCode } from './clientError';
export {
  CLIENT_DEFAULTS,
  clientOptionsFromConfig,
  resolveClientOptions,
  type ClientOptions,
} from './clientOptions';
export { idBefore, seamPosition, unreadRemoved, STREAM_START, type StreamPosition } from './streamCursor';
export type { HistorySourceName } from './historySource';
