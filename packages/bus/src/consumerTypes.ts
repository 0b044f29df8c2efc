import { type RecordPosition } from './streamId';

/** The logger a consumer reports background problems to (pino and console both fit). */
export interface ConsumerLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export const silentLogger: ConsumerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** One record of an entry with where it sits, so a checkpoint can resume in the middle of a batch entry. */
export interface ConsumedRecord {
  readonly position: RecordPosition;
  readonly record: unknown;
}

/** A decoded stream entry as handed to a batch handler. */
export interface ConsumedEntry {
  readonly stream: string;
  readonly id: string;
  /** Schema version from field `v`, when present. */
  readonly version: number | undefined;
  /**
   * The decoded records, in order. Record `i` sits at position `{ entryId: id, index: i }`; positions are
   * not materialized per record because batches of many thousand records would double what the garbage
   * collector has to copy (measured: the consumer ran at 0.6 of a raw loop with them).
   */
  readonly records: readonly unknown[];
  /** The raw field `d`. */
  readonly payload: Buffer;
  /** How many times the group delivered this entry, this delivery included (1 for a first read). */
  readonly deliveries: number;
}

/**
 * What the consumer does once a handler resolves: `ack` (also when the handler returns nothing) XACKs the
 * batch; `none` leaves it to the handler (a checkpoint commit acks inside its script); `retry` leaves the
 * entries pending and has the consumer re-read its own pending entries first (a refused commit).
 */
export type BatchOutcome = void | 'ack' | 'none' | 'retry';

export type BatchHandler = (entries: readonly ConsumedEntry[]) => Promise<BatchOutcome>;

/** Pending entries whose stream entry no longer exists (trimmed before they were acknowledged). */
export interface LostEntries {
  readonly stream: string;
  readonly group: string;
  readonly ids: readonly string[];
}

export interface ConsumerStats {
  /** Handler calls that succeeded. */
  batches: number;
  /** Entries handed to a handler that succeeded. */
  entries: number;
  /** Entries taken over from other consumers by XAUTOCLAIM. */
  claimed: number;
  /** Entries moved to the dead-letter stream (undecodable or failing too often). */
  deadLettered: number;
  /** Pending entries found trimmed away. */
  lost: number;
  handlerFailures: number;
  /** Redis errors of the loop (each followed by a backoff and a re-read of own pending entries). */
  errors: number;
}

export interface BackoffOptions {
  /** First delay after a failure, in ms (default 100). */
  readonly initialMs?: number;
  /** Upper bound of a delay, in ms (default 5000). */
  readonly maxMs?: number;
}

/**
 * Exponential backoff with equal jitter: the `attempt`-th consecutive failure (1-based) waits between half
 * and all of `min(maxMs, initialMs * 2^(attempt-1))`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const { initialMs = 100, maxMs = 5000 } = options;
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const cap = Math.min(maxMs, initialMs * 2 ** exponent);
  return cap / 2 + (cap / 2) * random();
}
