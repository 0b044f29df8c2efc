/** A universe refreshed on a cron, as in config `fundamentals.refresh.universes`. */
export interface RefreshUniverse {
  name: string;
  symbols: readonly string[];
  cron: string;
}

/** BullMQ's queue of refresh jobs. */
export const REFRESH_QUEUE = 'fundamentals-refresh';

/** BullMQ's key prefix of the refresh queue, under the Tickline prefix (one hash tag). */
export function refreshPrefix(prefix: string): string {
  return `${prefix}:{fundamentals}`;
}
/** The job a universe's schedule fires: it enqueues one symbol job per member. */
export const UNIVERSE_JOB = 'universe';
/** Refreshes one symbol through every provider. */
export const SYMBOL_JOB = 'symbol';

/** The scheduler id of a universe: upserting it again replaces the schedule instead of adding one. */
export function schedulerId(universe: string): string {
  return `universe-${universe}`;
}

/**
 * One job id per symbol, whatever universe or tick asked: while a refresh of AAPL waits or runs,
 * another request for it is the same job (BullMQ ignores an add with an existing id).
 */
export function symbolJobId(symbol: string): string {
  return `symbol-${symbol}`;
}
