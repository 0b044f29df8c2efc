import type { AssetClass, Bar, Instrument, Timeframe } from '@tickline/core';

/** The history providers Tickline knows. */
export const HISTORY_PROVIDERS = ['binance', 'alpaca', 'yahoo', 'alphavantage'] as const;
export type HistoryProviderName = (typeof HISTORY_PROVIDERS)[number];

/**
 * How prices are adjusted for corporate actions, made explicit on every bar (part of its source):
 * `raw` as traded, `split` for splits only, `dividend` for dividends only, `all` for both. Crypto has
 * no corporate actions, so its bars are always `raw`.
 */
export const ADJUSTMENTS = ['raw', 'split', 'dividend', 'all'] as const;
export type Adjustment = (typeof ADJUSTMENTS)[number];

/** One page of history to fetch: bars whose start lies in [from, to). */
export interface HistoryRequest {
  /** The instrument the bars are for; bars keep its venue and symbol whichever provider serves them. */
  instrument: Instrument;
  timeframe: Timeframe;
  /** Inclusive, UTC epoch ms. */
  from: number;
  /** Exclusive, UTC epoch ms. */
  to: number;
  /** [raw] */
  adjustment?: Adjustment;
  /** The `next` of the previous page of the same request; absent for the first page. */
  cursor?: string;
}

/** A bar a provider sent that did not make a valid core Bar, and why. Never dropped silently. */
export interface RejectedBar {
  /** Position in the provider's reply. */
  index: number;
  reason: string;
}

export interface HistoryPage {
  /** Valid bars in [from, to), oldest first, each with `source` = {@link barSource}. */
  bars: Bar[];
  rejected: RejectedBar[];
  /** Pass as `cursor` to get the next page; undefined when the range is done. */
  next?: string;
  provider: HistoryProviderName;
  /** The source label written on every bar of this page. */
  source: string;
}

/** What a provider can serve. */
export interface HistoryCapability {
  assetClass: AssetClass;
  timeframe: Timeframe;
  adjustment: Adjustment;
}

/**
 * Bar history from one provider. Stateless per call: the job layer sizes chunks with
 * `maxSpanMs`, then calls `fetchPage` with each page's `next` until it is undefined.
 */
export interface BarHistory {
  readonly name: HistoryProviderName;
  /** Whether this provider has bars of this kind at all (selection skips it otherwise). */
  supports(capability: HistoryCapability): boolean;
  /** The longest time range one request covers for `timeframe` (the provider's page limit), ms. */
  maxSpanMs(timeframe: Timeframe): number;
  /** Fetches one page; rejects with a coded ProviderError (retryable or not). */
  fetchPage(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryPage>;
}
