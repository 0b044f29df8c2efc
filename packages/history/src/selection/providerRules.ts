import { compareTimeframes, type AssetClass, type Timeframe } from '@tickline/core';
import type { Adjustment, HistoryProviderName } from '../barHistory';

/** One selection rule (config `backfill.rules`, whose defaults are there): first match wins. */
export interface ProviderRule {
  assetClasses: readonly AssetClass[];
  /** `intraday` is shorter than 1d, `daily` is 1d and longer. */
  timeframes: 'intraday' | 'daily' | 'any';
  /** Tried in order; the next gets the work when one is open or failing. */
  providers: readonly HistoryProviderName[];
  adjustment: Adjustment;
}

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
