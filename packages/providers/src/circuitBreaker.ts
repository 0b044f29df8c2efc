export type BreakerState = 'closed' | 'open' | 'half-open';

/** Every field has a default, given in brackets. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed breaker [5]. */
  failureThreshold?: number;
  /** How long the breaker stays open the first time, ms [30000]. */
  cooldownMs?: number;
  /** Each failed probe doubles the cooldown, up to this, ms [600000]. */
  maxCooldownMs?: number;
  /** Calls let through at once while half-open [1]. */
  halfOpenProbes?: number;
}

/**
 * Closed → open after `failureThreshold` consecutive failures; open → half-open once the cooldown has
 * passed; half-open lets `halfOpenProbes` calls through: a success closes, a failure reopens with a
 * doubled cooldown. `trip` opens it for a fixed time whatever the state (a provider's ban). Pure: the
 * caller passes the time, so the logic is tested without clocks.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly baseCooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly probes: number;
  private current: 'closed' | 'open' = 'closed';
  private failures = 0;
  private openUntilMs = 0;
  private cooldownMs: number;
  private probesInFlight = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? 5;
    this.baseCooldownMs = options.cooldownMs ?? 30000;
    this.maxCooldownMs = Math.max(options.maxCooldownMs ?? 600000, this.baseCooldownMs);
    this.probes = options.halfOpenProbes ?? 1;
    this.cooldownMs = this.baseCooldownMs;
  }

  state(nowMs: number): BreakerState {
    if (this.current === 'closed') return 'closed';
    return nowMs < this.openUntilMs ? 'open' : 'half-open';
  }

  /** When an open breaker will let a probe through (epoch ms); 0 when closed. */
  get openUntil(): number {
    return this.current === 'closed' ? 0 : this.openUntilMs;
  }

  /** Asks to make a call now. True means go ahead, and the caller must report its outcome. */
  tryAcquire(nowMs: number): boolean {
    const state = this.state(nowMs);
    if (state === 'closed') return true;
    if (state === 'open' || this.probesInFlight >= this.probes) return false;
    this.probesInFlight++;
    return true;
  }

  /** Gives back a call admitted by `tryAcquire` that never reached the provider (no outcome to report). */
  release(nowMs: number): void {
    if (this.state(nowMs) === 'half-open') this.probesInFlight = Math.max(0, this.probesInFlight - 1);
  }

  onSuccess(nowMs: number): void {
    if (this.state(nowMs) === 'half-open') this.probesInFlight = Math.max(0, this.probesInFlight - 1);
    if (this.current === 'open' && nowMs < this.openUntilMs) return; // a late reply does not undo a trip
    this.current = 'closed';
    this.failures = 0;
    this.cooldownMs = this.baseCooldownMs;
    this.probesInFlight = 0;
  }

  onFailure(nowMs: number): void {
    const state = this.state(nowMs);
    if (state === 'closed') {
      this.failures++;
      if (this.failures >= this.threshold) this.open(nowMs, this.baseCooldownMs);
    } else if (state === 'half-open') {
      this.cooldownMs = Math.min(this.cooldownMs * 2, this.maxCooldownMs);
      this.open(nowMs, this.cooldownMs);
    }
  }

  /** Opens the breaker until at least `nowMs + forMs`, whatever its state. */
  trip(nowMs: number, forMs: number): void {
    this.open(nowMs, Math.max(forMs, 0), true);
  }

  private open(nowMs: number, forMs: number, keepLonger = false): void {
    const until = nowMs + forMs;
    this.openUntilMs = keepLonger && this.current === 'open' ? Math.max(this.openUntilMs, until) : until;
    this.current = 'open';
    this.failures = 0;
    this.probesInFlight = 0;
  }
}
