import { ProviderError } from '@tickline/providers';

const DAY_MS = 86_400_000;

/**
 * Alpha Vantage answers limits and plan problems with HTTP 200 and a one-key body (`Note`,
 * `Information`, `Error Message`) instead of data. This turns such a body into the error it means:
 * a rate-limit note is a retryable RATE_LIMITED (never an empty result), a premium-only endpoint is
 * UNAUTHORIZED, a bad call is REQUEST_REJECTED. Bodies with data pass.
 */
export function checkAlphaVantageBody(body: unknown, nowMs: number): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const record = body as Record<string, unknown>;
  const text = [record['Note'], record['Information'], record['Error Message']].find(
    (value): value is string => typeof value === 'string',
  );
  if (text === undefined) return;
  const provider = 'alphavantage';
  if (typeof record['Error Message'] === 'string') {
    throw new ProviderError('REQUEST_REJECTED', `alphavantage: ${text}`, { provider });
  }
  const retryAfterMs = rateLimitWait(text, nowMs);
  if (retryAfterMs !== undefined) {
    throw new ProviderError('RATE_LIMITED', `alphavantage: rate limit note: ${text}`, {
      provider,
      retryAfterMs,
    });
  }
  if (/premium/i.test(text)) {
    throw new ProviderError('UNAUTHORIZED', `alphavantage: premium endpoint: ${text}`, { provider });
  }
  // Any other note in place of data: still not data, and not something to store as "no bars".
  throw new ProviderError('BAD_RESPONSE', `alphavantage: a note instead of data: ${text}`, { provider });
}

/**
 * How long a rate-limit note asks to wait, or undefined when the note is not about rate limits. The
 * burst note mentions the daily limit too, so "per second" is classified first.
 */
export function rateLimitWait(text: string, nowMs: number): number | undefined {
  if (/per second|sparingly/i.test(text)) return 1000;
  if (/per minute|call frequency/i.test(text)) return 60000;
  // The daily quota resets at midnight UTC [U]: wait until then.
  if (/per day|daily rate limit|rate limit/i.test(text))
    return DAY_MS - (((nowMs % DAY_MS) + DAY_MS) % DAY_MS);
  return undefined;
}
