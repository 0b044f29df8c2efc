import { ProviderError } from './providerError';

/**
 * At most `limit` weight in any `windowMs` as the venue counts it, fixed (any alignment) or sliding:
 * each grant is booked from its grant until a window after its reply (see RedisRateLimiter).
 */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
  /**
   * Replies stay booked this much longer than the window, ms [0]. Not needed for the limit to hold
   * (latency is covered by booking until the reply); slack for a venue whose window is a little longer
   * than it says.
   */
  marginMs?: number;
}

/** Checks rules up front, so a bad config fails at start-up naming the provider and the rule. */
export function validateRules(provider: string, rules: readonly RateLimitRule[]): void {
  if (rules.length === 0) {
    throw new ProviderError('INVALID_OPTIONS', `${provider}: a rate limiter needs at least one rule`);
  }
  rules.forEach((rule, index) => {
    for (const field of ['limit', 'windowMs', 'marginMs'] as const) {
      const value = rule[field] ?? 1;
      if (!Number.isSafeInteger(value) || value < (field === 'marginMs' ? 0 : 1)) {
        throw new ProviderError(
          'INVALID_OPTIONS',
          `${provider}: rate limit rule ${index} ${field} must be a whole number of at least 1 (marginMs: 0), got ${String(value)}`,
        );
      }
    }
  });
}
