/** Every error this package (and the history providers on top of it) throws carries one of these codes. */
export type ProviderErrorCode =
  /** The provider refused for load: HTTP 429, or a 200 whose body is a rate-limit note. Retry later. */
  | 'RATE_LIMITED'
  /** The provider banned us (Binance 418 after ignored 429s). Retry only after `retryAfterMs`. */
  | 'BANNED'
  /** The request did not finish within its timeout. */
  | 'TIMEOUT'
  /** The connection failed (refused, reset, DNS). */
  | 'NETWORK'
  /** The provider answered 5xx. */
  | 'SERVER_ERROR'
  /** The provider answered 4xx for this request (bad symbol, bad parameter): retrying will not help. */
  | 'REQUEST_REJECTED'
  /** Credentials missing or refused (401/403), or an endpoint the plan does not cover. */
  | 'UNAUTHORIZED'
  /** The body did not have the documented shape (zod), or was not JSON. */
  | 'BAD_RESPONSE'
  /** The provider's circuit breaker is open: the call was not attempted. */
  | 'CIRCUIT_OPEN'
  /** The rate limiter would have had to wait longer than allowed. */
  | 'RATE_LIMIT_WAIT_EXCEEDED'
  /** An options object or a request argument failed validation. */
  | 'INVALID_OPTIONS'
  /** No configured provider can serve the request (all unsupported, open or failed). */
  | 'NO_PROVIDER';

const RETRYABLE: ReadonlySet<ProviderErrorCode> = new Set([
  'RATE_LIMITED',
  'BANNED',
  'TIMEOUT',
  'NETWORK',
  'SERVER_ERROR',
  'CIRCUIT_OPEN',
  'RATE_LIMIT_WAIT_EXCEEDED',
  'NO_PROVIDER',
]);

export interface ProviderErrorDetails {
  /** The provider that failed, e.g. `binance`. */
  provider?: string;
  /** HTTP status, when there was a reply. */
  status?: number;
  /** How long the provider asked us to wait (Retry-After, or the window of a rate-limit note). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A precise, plain error: what failed, where, and whether trying again can help. Messages never hold
 * credentials: URLs in them are redacted by the request helper before the error is built.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    details: ProviderErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.provider = details.provider;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Whether the same request may succeed later (a job should retry or fail over, not give up). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** Whether the failure says the provider is rate limiting us (counts as a rate-limit hit in health). */
  get rateLimited(): boolean {
    return this.code === 'RATE_LIMITED' || this.code === 'BANNED';
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}
