import { isProviderError } from '@tickline/providers';

/**
 * The wait before retry `attemptsMade` of a chunk: exponential from `baseMs` (capped at `maxMs`) with
 * jitter, and never shorter than the provider's own Retry-After.
 */
export function retryDelay(
  attemptsMade: number,
  error: unknown,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(exponential * (0.5 + random() / 2));
  const providerWait = isProviderError(error) ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, providerWait);
}
