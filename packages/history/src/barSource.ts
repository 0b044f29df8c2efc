import type { Adjustment, HistoryProviderName } from './barHistory';

/**
 * The `source` label of a history bar: provider and adjustment policy, e.g. `alpaca:split`. The live
 * pipeline writes `live`; a consumer can always tell which provider made a bar and how it is adjusted.
 */
export function barSource(provider: HistoryProviderName, adjustment: Adjustment): string {
  return `${provider}:${adjustment}`;
}

/** The effective adjustment: crypto has no corporate actions, so its bars are raw whatever was asked. */
export function effectiveAdjustment(assetClass: string, requested: Adjustment | undefined): Adjustment {
  return assetClass === 'crypto' ? 'raw' : (requested ?? 'raw');
}
