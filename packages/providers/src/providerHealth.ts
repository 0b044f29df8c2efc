/** Every field has a default, given in brackets. */
export interface ProviderHealthOptions {
  /** Weight of the newest sample in the moving averages, 0..1 [0.2]. */
  alpha?: number;
  /** Rate-limit hits older than this no longer count as recent, ms [300000]. */
  recentWindowMs?: number;
}

/** One finished call. */
export interface CallOutcome {
  atMs: number;
  ok: boolean;
  latencyMs: number;
  /** The provider refused for load (429, a rate-limit note, a ban). */
  rateLimited?: boolean;
}

export interface HealthSnapshot {
  /** Exponentially weighted mean latency, ms (0 before any call). */
  latencyMs: number;
  /** Exponentially weighted share of successful calls, 0..1 (1 before any call). */
  successRate: number;
  /** Rate-limit hits within the recent window. */
  rateLimitHits: number;
  calls: number;
}

/** Live health of one provider from the outcomes of its calls. Pure: the caller passes the time. */
export class ProviderHealth {
  private readonly alpha: number;
  private readonly recentWindowMs: number;
  private latency = 0;
  private success = 1;
  private calls = 0;
  private hits: number[] = [];

  constructor(options: ProviderHealthOptions = {}) {
    this.alpha = options.alpha ?? 0.2;
    this.recentWindowMs = options.recentWindowMs ?? 300000;
  }

  record(outcome: CallOutcome): void {
    const latency = Math.max(0, outcome.latencyMs);
    // The first sample seeds the average instead of being pulled toward an arbitrary start.
    this.latency = this.calls === 0 ? latency : this.latency + this.alpha * (latency - this.latency);
    this.success += this.alpha * ((outcome.ok ? 1 : 0) - this.success);
    this.calls++;
    if (outcome.rateLimited) this.hits.push(outcome.atMs);
    this.prune(outcome.atMs);
  }

  snapshot(nowMs: number): HealthSnapshot {
    this.prune(nowMs);
    return {
      latencyMs: this.latency,
      successRate: this.success,
      rateLimitHits: this.hits.length,
      calls: this.calls,
    };
  }

  private prune(nowMs: number): void {
    const cutoff = nowMs - this.recentWindowMs;
    if (this.hits.length > 0 && this.hits[0]! <= cutoff) this.hits = this.hits.filter((at) => at > cutoff);
  }
}
