import { ProviderError } from './providerError';

/** At most `limit` weight in any `windowMs` (a sliding window: every interval of that length, not just aligned ones). */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

/** Checks rules up front, so a bad config fails at start-up naming the provider and the rule. */
export function validateRules(provider: string, rules: readonly RateLimitRule[]): void {
  if (rules.length === 0) {
    throw new ProviderError('INVALID_OPTIONS', `${provider}: a rate limiter needs at least one rule`);
  }
  rules.forEach((rule, index) => {
    for (const field of ['limit', 'windowMs'] as const) {
      const value = rule[field];
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new ProviderError(
          'INVALID_OPTIONS',
          `${provider}: rate limit rule ${index} ${field} must be a positive integer, got ${String(value)}`,
        );
      }
    }
  });
}
