import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuitBreaker';
import { isProviderError, ProviderError } from './providerError';
import { ProviderHealth, type HealthSnapshot, type ProviderHealthOptions } from './providerHealth';
import type { Grant, RedisRateLimiter, UsageReport } from './redisRateLimiter';

/** Every field but `provider` has a default, given in brackets. */
export interface ProviderGateOptions {
  provider: string;
  /** The shared rate limit; none means calls are not limited here [none]. */
  limiter?: RedisRateLimiter;
  breaker?: CircuitBreakerOptions;
  health?: ProviderHealthOptions;
  /** A 429 without Retry-After still pushes the shared budget back this long, ms [1000]. */
  defaultRetryAfterMs?: number;
  /** A ban (418) without Retry-After opens the breaker this long, ms [120000, Binance's shortest ban]. */
  defaultBanMs?: number;
  /** [Date.now] */
  now?: () => number;
}

/** What a gate tells about its provider (for selection, metrics and `tickline status`). */
export interface GateStatus extends HealthSnapshot {
  provider: string;
  breaker: BreakerState;
  /** When an open breaker lets a probe through, epoch ms (0 when closed). */
  openUntil: number;
}

// Outcomes that say nothing about the provider's health: it answered, the request was wrong.
const REQUEST_FAULTS = new Set(['REQUEST_REJECTED', 'INVALID_OPTIONS']);

/**
 * Everything between a provider and one call to it: the circuit breaker, the shared rate limit, and
 * live health. A 429 or ban pushes the shared budget back for every process; a ban also opens the
 * breaker; each outcome feeds health and breaker.
 */
export class ProviderGate {
  readonly provider: string;
  readonly limiter: RedisRateLimiter | undefined;
  private readonly breaker: CircuitBreaker;
  private readonly health: ProviderHealth;
  private readonly now: () => number;

  constructor(private readonly options: ProviderGateOptions) {
    this.provider = options.provider;
    this.limiter = options.limiter;
    this.breaker = new CircuitBreaker(options.breaker);
    this.health = new ProviderHealth(options.health);
    this.now = options.now ?? Date.now;
  }

  /** Whether a call would be let through now (no side effect). */
  isAvailable(): boolean {
    return this.breaker.state(this.now()) !== 'open';
  }

  status(): GateStatus {
    const now = this.now();
    return {
      provider: this.provider,
      breaker: this.breaker.state(now),
      openUntil: this.breaker.openUntil,
      ...this.health.snapshot(now),
    };
  }

  /**
   * Runs `call` through breaker and limiter, books `weight`, and records the outcome. The booking is in
   * flight until `call` settles or calls `replied` (as soon as the provider's reply is in: the limiter
   * frees the weight one window after that, so the sooner the better), with the usage the reply
   * reported, if any.
   */
  async run<T>(
    weight: number,
    call: (replied: (usage?: readonly UsageReport[]) => void) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const admittedAt = this.now();
    if (!this.breaker.tryAcquire(admittedAt)) {
      const wait = Math.max(0, this.breaker.openUntil - admittedAt);
      throw new ProviderError(
        'CIRCUIT_OPEN',
        `${this.provider}: circuit breaker open for another ${wait} ms`,
        {
          provider: this.provider,
          retryAfterMs: wait,
        },
      );
    }
    let grant: Grant | undefined;
    try {
      grant = await this.limiter?.acquire(weight, signal);
    } catch (error) {
      this.breaker.release(this.now()); // waiting for budget says nothing about the provider
      throw error;
    }
    let completed: Promise<unknown> | undefined;
    const replied = (usage?: readonly UsageReport[]) => {
      // A failed report only keeps the weight booked until the lease ends: safe, so not an error.
      if (grant && this.limiter && !completed) completed = this.limiter.complete(grant, usage).catch(() => 0);
    };
    const started = this.now();
    try {
      const result = await call(replied);
      this.settle(started, true, false);
      return result;
    } catch (error) {
      await this.onError(started, error);
      throw error;
    } finally {
      replied();
      await completed;
    }
  }

  private async onError(started: number, error: unknown): Promise<void> {
    const providerError = isProviderError(error) ? error : undefined;
    if (providerError && REQUEST_FAULTS.has(providerError.code)) {
      this.settle(started, true, false);
      return;
    }
    const rateLimited = providerError?.rateLimited ?? false;
    this.settle(started, false, rateLimited);
    if (providerError?.code === 'BANNED') {
      const banMs = providerError.retryAfterMs ?? this.options.defaultBanMs ?? 120000;
      this.breaker.trip(this.now(), banMs);
      await this.limiter?.pushBack(banMs);
    } else if (rateLimited) {
      await this.limiter?.pushBack(providerError?.retryAfterMs ?? this.options.defaultRetryAfterMs ?? 1000);
    }
  }

  private settle(started: number, ok: boolean, rateLimited: boolean): void {
    const now = this.now();
    this.health.record({ atMs: now, ok, latencyMs: now - started, rateLimited });
    if (ok) this.breaker.onSuccess(now);
    else this.breaker.onFailure(now);
  }
}
