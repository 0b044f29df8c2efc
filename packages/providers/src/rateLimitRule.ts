import { ProviderError } from './providerError';

/** At most `limit` weight in any `windowMs` (a sliding window: every interval of that length, not just aligned ones). */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
  /**
   * Grants stay booked this much longer than the window, ms [0]. A venue counts requests when they
   * arrive, in its own (often fixed, aligned) windows; latency jitter between grant and arrival can
   * otherwise crowd two windows' worth into one of the venue's.
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
