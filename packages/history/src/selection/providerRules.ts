import { compareTimeframes, type AssetClass, type Timeframe } from '@tickline/core';
import type { Adjustment, HistoryProviderName } from '../barHistory';

/** One selection rule (config `backfill.rules`): first match wins. */
export interface ProviderRule {
  assetClasses: readonly AssetClass[];
  /** `intraday` is shorter than 1d, `daily` is 1d and longer. */
  timeframes: 'intraday' | 'daily' | 'any';
  /** Tried in order; the next gets the work when one is open or failing. */
  providers: readonly HistoryProviderName[];
  adjustment: Adjustment;
}

/** The defaults of config `backfill.rules`, for callers without a config. */
export const DEFAULT_PROVIDER_RULES: readonly ProviderRule[] = [
  { assetClasses: ['crypto'], timeframes: 'any', providers: ['binance', 'alpaca'], adjustment: 'raw' },
  {
    assetClasses: ['equity', 'etf'],
    timeframes: 'intraday',
    providers: ['alpaca', 'alphavantage'],
    adjustment: 'raw',
  },
  {
    assetClasses: ['equity', 'etf', 'index'],
    timeframes: 'daily',
    providers: ['alpaca', 'yahoo'],
    adjustment: 'split',
  },
];

/** The first rule for this asset class and timeframe, or undefined when none applies. */
export function matchRule(
  rules: readonly ProviderRule[],
  assetClass: AssetClass,
  timeframe: Timeframe,
): ProviderRule | undefined {
  const daily = compareTimeframes(timeframe, '1d') >= 0;
  return rules.find(
    (rule) =>
      rule.assetClasses.includes(assetClass) &&
      (rule.timeframes === 'any' || (rule.timeframes === 'daily') === daily),
  );
}
