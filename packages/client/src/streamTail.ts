import {
  backoffDelay,
  decodeEntry,
  messageOf,
  redactSecrets,
  type BackoffOptions,
  type BusLogger,
  type RedisClient,
} from '@tickline/bus';
import { readBatch, waitThenReadBatch, type Batch } from './readBatchScript';
import { unreadRemoved, type StreamPosition } from './streamCursor';

/** One decoded entry of a tailed stream. */
export interface TailEntry {
  readonly id: string;
  readonly records: readonly unknown[];
  /** The reader's cursor before this entry: nothing lies between it and `id`. */
  readonly after: string;
  /** Entries read up to and including this one (the position's `read` after it). */
  readonly read: number;
}

export interface TailOptions {
  /** Longest wait of one XREAD, in ms. */
  readonly blockMs: number;
  /** Entries per XREAD. */
  readonly count: number;
  readonly backoff: BackoffOptions;
  readonly logger: BusLogger;
  /** Secrets to keep out of logged error messages. */
  readonly secrets: readonly (string | undefined)[];
  readonly signal: AbortSignal;
  /** Return at the stream's end instead of waiting there (XREAD BLOCK): a catch-up on a shared connection. */
  readonly untilEnd?: boolean;
}

export interface TailHandlers {
  readonly onEntry: (entry: TailEntry) => void;
  /**
   * Entries after the position were trimmed before they were read (the reader was disconnected or slow while
   * the groups acknowledged them and the stream was trimmed below the groups): fill them from elsewhere and
   * return the position to go on from.
   */
  readonly onGap: (position: StreamPosition) => Promise<StreamPosition>;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Runs `attempt` until it succeeds, backing off after each failure (Redis down, restarting, a cut link);
 * undefined when the signal aborted first. Every failure is logged, with secrets removed.
 */
export async function untilDone<T>(
  what: string,
  attempt: () => Promise<T>,
  options: Pick<TailOptions, 'backoff' | 'logger' | 'secrets' | 'signal'>,
): Promise<T | undefined> {
  for (let failures = 1; !options.signal.aborted; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (options.signal.aborted) break;
      const delayMs = Math.round(backoffDelay(failures, options.backoff));
      options.logger.warn(`client: ${what} failed; retrying`, {
        error: redactSecrets(messageOf(error), options.secrets),
        attempt: failures,
        delayMs,
      });
      await pause(delayMs, options.signal);
    }
  }
  return undefined;
}

/**
 * Reads `key` from `start` with plain XREAD (no group: every reader sees every entry), handing each entry on
 * in order, until the signal aborts (or, with `untilEnd`, until a batch reaches the stream's end: then it
 * returns the position after the last entry handed on, having never blocked). Each batch is read atomically with the stream's counters (one script), so
 * entries trimmed before they were read are noticed (and handed to `onGap`), never silently skipped; after a
 * batch that reached the stream's end (fewer entries than `count`) an XREAD BLOCK waits for more, sent
 * with the next batch's script (see waitThenReadBatch). The
 * cursor moves past an entry only once it was handed on, and a failed read is repeated from the same
 * cursor: after a Redis error or restart nothing is skipped and nothing handed on twice. An undecodable entry is logged and passed over.
 */
export async function tailStream(
  redis: RedisClient,
  key: string,
  start: StreamPosition,
  handlers: TailHandlers,
  options: TailOptions,
): Promise<StreamPosition | undefined> {
  let { cursor, read } = start;
  // After a batch that reached the stream's end (fewer entries than count), the next read waits first.
  let atEnd = false;
  while (!options.signal.aborted) {
    const batch: Batch | undefined = await untilDone<Batch>(
      atEnd ? `XREAD BLOCK ${key}` : `XREAD ${key}`,
      () =>
        atEnd
          ? waitThenReadBatch(redis, key, cursor, options.count, options.blockMs)
          : readBatch(redis, key, cursor, options.count),
      options,
    );
    if (!batch) return undefined;
    atEnd = false;
    if (unreadRemoved({ cursor, read }, batch.entriesAdded, batch.length) > 0) {
      const next = await handlers.onGap({ cursor, read });
      // Whatever the gap held is accounted for now: filled, or reported as lost.
      ({ cursor } = next);
      read = Math.max(next.read, batch.entriesAdded - batch.length);
      continue;
    }
    for (const raw of batch.entries) {
      if (options.signal.aborted) return undefined;
      const decoded = decodeEntry(raw, 1);
      if (decoded.ok)
        handlers.onEntry({ id: raw.id, records: decoded.entry.records, after: cursor, read: read + 1 });
      else options.logger.warn('client: entry skipped', { stream: key, id: raw.id, reason: decoded.reason });
      cursor = raw.id;
      read++;
    }
    atEnd = batch.entries.length < options.count;
    if (atEnd && options.untilEnd === true) return { cursor, read };
  }
  return undefined;
}
