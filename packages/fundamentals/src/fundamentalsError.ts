/** Every error this package throws carries one of these codes. */
export type FundamentalsErrorCode =
  /** HTTP 429, or a 200 whose body is a quota note (Alpha Vantage, FMP "Limit Reach"). Try another provider. */
  | 'RATE_LIMITED'
  /** The provider has no data for the symbol (empty array, `{}`, Yahoo 404). */
  | 'NOT_FOUND'
  /** Key missing or refused, a premium endpoint, or a Yahoo crumb that stays invalid. */
  | 'UNAUTHORIZED'
  /** The body did not have the documented shape, or was not JSON. */
  | 'BAD_RESPONSE'
  /** Connection failed or timed out, or the provider answered 5xx. */
  | 'UNAVAILABLE'
  /** Every provider failed and the cache holds no snapshot to fall back on. */
  | 'ALL_PROVIDERS_FAILED'
  /** Another process held the symbol's fetch lock for longer than the wait allowed. */
  | 'LOCK_TIMEOUT'
  /** A bad argument or option: the message names it. */
  | 'INVALID_INPUT';

/** A precise, plain error naming the provider and the request (API keys redacted). */
export class FundamentalsError extends Error {
  override readonly name = 'FundamentalsError';

  constructor(
    readonly code: FundamentalsErrorCode,
    message: string,
    readonly provider?: string,
  ) {
    super(message);
  }

  /** Whether another provider or a later attempt may succeed. */
  get retryable(): boolean {
    return this.code === 'RATE_LIMITED' || this.code === 'UNAVAILABLE' || this.code === 'LOCK_TIMEOUT';
  }
}
