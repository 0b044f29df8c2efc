import { VenueError } from '../venueError';

/** Reconnect delays. Every field has a default in {@link DEFAULT_BACKOFF}. */
export interface BackoffOptions {
  /** Ceiling of the first delay, ms. Default 1000. */
  baseMs: number;
  /** Largest ceiling, ms: the ceiling doubles per failed attempt up to this. Default 30000. */
  capMs: number;
  /** A connection that stayed up this long resets the attempt count, ms. Default 60000. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 1000,
  capMs: 30_000,
  stableAfterMs: 60_000,
});

export function validateBackoff(options: BackoffOptions): BackoffOptions {
  const { baseMs, capMs, stableAfterMs } = options;
  if (!(baseMs > 0) || !(capMs >= baseMs) || !(stableAfterMs >= 0) || !Number.isFinite(capMs)) {
    throw new VenueError(
      'INVALID_OPTIONS',
      `backoff needs 0 < baseMs <= capMs < Infinity and stableAfterMs >= 0, got ${JSON.stringify(options)}`,
    );
  }
  return options;
}

/** The ceiling of the n-th delay (n from 0): min(cap, base × 2^n). */
export function backoffCeiling(attempt: number, { baseMs, capMs }: Pick<BackoffOptions, 'baseMs' | 'capMs'>) {
  // 2^60 already exceeds any sane cap; clamping keeps the product finite.
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 60));
}

/**
 * "Full jitter": a uniform delay in [0, ceiling). Spreads the reconnects of many clients cut at the
 * same instant far better than equal or decorrelated jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter").
 */
export function fullJitterDelay(
  attempt: number,
  options: Pick<BackoffOptions, 'baseMs' | 'capMs'>,
  random: () => number,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

/**
 * The attempt counter of one logical connection. No clock inside: callers pass `now`, so the reset
 * rule is testable without timers.
 */
export class BackoffSchedule {
  private attempt = 0;
  private connectedAt: number | undefined;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {
    validateBackoff(options);
  }

  /** Failed attempts since the last stable connection. */
  get attempts(): number {
    return this.attempt;
  }

  connected(now: number): void {
    this.connectedAt = now;
  }

  /** After a close or a failed attempt: how long to wait before the next try. */
  nextDelay(now: number): number {
    if (this.connectedAt !== undefined && now - this.connectedAt >= this.options.stableAfterMs) {
      this.attempt = 0;
    }
    this.connectedAt = undefined;
    const delay = fullJitterDelay(this.attempt, this.options, this.random);
    this.attempt += 1;
    return delay;
  }
}
