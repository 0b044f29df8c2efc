import { VenueError } from '../venueError';

/** When silence means a dead link. Every field has a default in {@link DEFAULT_WATCHDOG}. */
export interface WatchdogOptions {
  /**
   * Never call data silence stale below this, ms. Default 10000: a busy stream that stalls for 15 s
   * is cut before it would have come back; quiet streams get more from the adaptive factor.
   */
  minSilenceMs: number;
  /** Cap of the adaptive data-silence threshold, ms (before the quiet-streak doubling). Default 300000. */
  maxSilenceMs: number;
  /** Threshold = factor × mean gap between data messages. Default 20. */
  factor: number;
  /** EWMA weight of the newest gap, (0, 1]. Default 0.05. */
  smoothing: number;
  /**
   * Any frame at all (data or a server ping) must arrive within this, ms. Binance pings every 20 s,
   * so the default 70000 means three missed pings. Default 70000.
   */
  linkTimeoutMs: number;
  /** How often the watchdog looks, ms. Default 1000. */
  checkIntervalMs: number;
}

export const DEFAULT_WATCHDOG: Readonly<WatchdogOptions> = Object.freeze({
  minSilenceMs: 10_000,
  maxSilenceMs: 300_000,
  factor: 20,
  smoothing: 0.05,
  linkTimeoutMs: 70_000,
  checkIntervalMs: 1000,
});

/** Each stale verdict not followed by data doubles the threshold, at most this many times. */
export const MAX_QUIET_STREAK = 4;

export function validateWatchdog(o: WatchdogOptions): WatchdogOptions {
  const ok =
    o.minSilenceMs > 0 &&
    o.maxSilenceMs >= o.minSilenceMs &&
    o.factor > 0 &&
    o.smoothing > 0 &&
    o.smoothing <= 1 &&
    o.linkTimeoutMs > 0 &&
    o.checkIntervalMs > 0;
  if (!ok) {
    throw new VenueError(
      'INVALID_OPTIONS',
      `watchdog needs 0 < minSilenceMs <= maxSilenceMs, factor > 0, 0 < smoothing <= 1, linkTimeoutMs > 0, checkIntervalMs > 0; got ${JSON.stringify(o)}`,
    );
  }
  return o;
}

/** Exponentially weighted mean of the gaps between data messages. */
export function updateMeanGap(mean: number | undefined, gapMs: number, smoothing: number): number {
  return mean === undefined ? gapMs : mean + smoothing * (gapMs - mean);
}

/**
 * How long data may be silent before the link counts as dead: max(min, factor × mean gap), capped
 * at max, then doubled per stale verdict since the last data (a dead link recovers with the first
 * message after the reconnect; a genuinely quiet instrument backs the watchdog off instead of
 * reconnecting every few seconds forever). With no gap measured yet, the
 * cap applies: we know nothing of the rate, so we are lenient.
 */
export function silenceThreshold(
  meanGapMs: number | undefined,
  quietStreak: number,
  o: Pick<WatchdogOptions, 'minSilenceMs' | 'maxSilenceMs' | 'factor'>,
): number {
  const base =
    meanGapMs === undefined
      ? o.maxSilenceMs
      : Math.min(o.maxSilenceMs, Math.max(o.minSilenceMs, o.factor * meanGapMs));
  return base * 2 ** Math.min(Math.max(quietStreak, 0), MAX_QUIET_STREAK);
}

export interface StaleVerdict {
  /** `link`: not even a ping; `data`: pings but no data for longer than the adaptive threshold. */
  kind: 'link' | 'data';
  silentMs: number;
  thresholdMs: number;
}

/**
 * The watchdog's state for one logical connection, kept across its reconnects (the usual rate is a
 * property of the instruments, not of one socket). No clock, no timer: the caller passes `now`.
 */
export class SilenceWatchdog {
  private lastDataAt: number;
  private lastFrameAt: number;
  private meanGap: number | undefined;
  private quietStreak = 0;

  constructor(
    private readonly options: WatchdogOptions,
    now: number,
  ) {
    validateWatchdog(options);
    this.lastDataAt = now;
    this.lastFrameAt = now;
  }

  /** A new socket opened: silence is counted from here. The learnt rate is kept. */
  connected(now: number): void {
    this.lastDataAt = now;
    this.lastFrameAt = now;
  }

  data(now: number): void {
    this.meanGap = updateMeanGap(this.meanGap, Math.max(0, now - this.lastDataAt), this.options.smoothing);
    this.lastDataAt = now;
    this.lastFrameAt = now;
    this.quietStreak = 0;
  }

  /** A frame that proves the link but carries no data (a server ping, a control reply). */
  heartbeat(now: number): void {
    this.lastFrameAt = now;
  }

  get thresholdMs(): number {
    return silenceThreshold(this.meanGap, this.quietStreak, this.options);
  }

  get meanGapMs(): number | undefined {
    return this.meanGap;
  }

  check(now: number): StaleVerdict | undefined {
    const linkSilence = now - this.lastFrameAt;
    if (linkSilence > this.options.linkTimeoutMs) {
      return this.stale({ kind: 'link', silentMs: linkSilence, thresholdMs: this.options.linkTimeoutMs });
    }
    const dataSilence = now - this.lastDataAt;
    const threshold = this.thresholdMs;
    if (dataSilence > threshold)
      return this.stale({ kind: 'data', silentMs: dataSilence, thresholdMs: threshold });
    return undefined;
  }

  /** Until data flows again, each stale verdict doubles the next threshold (see silenceThreshold). */
  private stale(verdict: StaleVerdict): StaleVerdict {
    this.quietStreak += 1;
    return verdict;
  }
}
