import type { Fundamentals } from '@tickline/core';
import {
  isProviderError,
  ProviderError,
  type ProviderErrorCode,
  type ProviderGate,
} from '@tickline/providers';
import { FundamentalsError, type FundamentalsErrorCode } from './fundamentalsError';
import type { FundamentalsSource } from './fundamentalsSource';

// Our codes in the providers' terms, so the gate books health, opens the breaker and pushes the
// shared rate limit back exactly as it does for the backfill's providers.
const TO_PROVIDER: Record<FundamentalsErrorCode, ProviderErrorCode> = {
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_FOUND: 'REQUEST_REJECTED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  BAD_RESPONSE: 'BAD_RESPONSE',
  UNAVAILABLE: 'SERVER_ERROR',
  ALL_PROVIDERS_FAILED: 'NO_PROVIDER',
  LOCK_TIMEOUT: 'TIMEOUT',
  INVALID_INPUT: 'INVALID_OPTIONS',
};

/**
 * A source whose every fetch goes through a providers ProviderGate: the shared Redis rate limit
 * (booked with `weight`, the requests one fetch makes), the circuit breaker and health. A fetch
 * refused by the gate fails like an unavailable or rate-limited provider, so the service fails over.
 */
export class GatedSource implements FundamentalsSource {
  readonly name: string;

  constructor(
    private readonly inner: FundamentalsSource,
    private readonly gate: ProviderGate,
    /** Requests one fetch makes: FMP 3, Yahoo 1 (plus the crumb once), Alpha Vantage 1. */
    private readonly weight = 1,
  ) {
    this.name = inner.name;
  }

  async fetch(symbol: string, fetchedAt: number): Promise<Fundamentals> {
    try {
      return await this.gate.run(this.weight, async () => {
        try {
          return await this.inner.fetch(symbol, fetchedAt);
        } catch (error) {
          if (!(error instanceof FundamentalsError)) throw error;
          throw new ProviderError(TO_PROVIDER[error.code], error.message, {
            provider: this.name,
            cause: error,
          });
        }
      });
    } catch (error) {
      throw fromProviderError(this.name, error);
    }
  }
}

function fromProviderError(provider: string, error: unknown): unknown {
  if (!isProviderError(error)) return error;
  if (error.cause instanceof FundamentalsError) return error.cause;
  const code: FundamentalsErrorCode =
    error.rateLimited || error.code === 'RATE_LIMIT_WAIT_EXCEEDED' ? 'RATE_LIMITED' : 'UNAVAILABLE';
  return new FundamentalsError(code, error.message, provider);
}
