import { DEFAULT_BACKOFF, validateBackoff, type BackoffOptions } from './backoff';
import { DEFAULT_WATCHDOG, validateWatchdog, type WatchdogOptions } from './silenceWatchdog';
import { stripUndefined } from './stripUndefined';

/** Options every venue feed has: connection health and injectables. Defaults in brackets. */
export interface ConnectionOptions {
  /** Handshake timeout, ms. [10000] */
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  watchdog?: Partial<WatchdogOptions>;
  /** Clock and randomness, injectable for tests. [Date.now, Math.random] */
  now?: () => number;
  random?: () => number;
  /** A listener threw, or something failed in the background. [process.emitWarning] */
  onError?: (error: unknown) => void;
}

export interface ResolvedConnectionOptions {
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  watchdog: WatchdogOptions;
  now: () => number;
  random: () => number;
  onError: (error: unknown) => void;
}

/** The connection options with their defaults; throws `INVALID_OPTIONS` on bad backoff or watchdog settings. */
export function resolveConnectionOptions(options: ConnectionOptions): ResolvedConnectionOptions {
  const resolved: ResolvedConnectionOptions = {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    onError:
      options.onError ??
      ((error) => process.emitWarning(error instanceof Error ? error : new Error(String(error)))),
    backoff: { ...DEFAULT_BACKOFF, ...stripUndefined(options.backoff ?? {}) },
    watchdog: { ...DEFAULT_WATCHDOG, ...stripUndefined(options.watchdog ?? {}) },
  };
  validateBackoff(resolved.backoff);
  validateWatchdog(resolved.watchdog);
  return resolved;
}
