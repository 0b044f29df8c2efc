import {
  backoffDelay,
  decodeEntry,
  messageOf,
  parseReadReply,
  redactSecrets,
  type BackoffOptions,
  type RedisClient,
} from '@tickline/bus';
import type { BusLogger } from '@tickline/bus';

/** One decoded entry of a tailed stream. */
export interface TailEntry {
  readonly id: string;
  readonly records: readonly unknown[];
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
 * Reads `key` after entry `after` with plain XREAD (no group: every reader sees every entry), handing each
 * entry to `onEntry` in order, until the signal aborts. The cursor moves past an entry only once it was
 * handed on, and a failed read is repeated from the same cursor: after a Redis error or restart nothing is
 * skipped and nothing handed on twice. An undecodable entry is logged and passed over.
 */
export async function tailStream(
  redis: RedisClient,
  key: string,
  after: string,
  onEntry: (entry: TailEntry) => void,
  options: TailOptions,
): Promise<void> {
  let cursor = after;
  const read = () =>
    redis.xreadBuffer('COUNT', options.count, 'BLOCK', options.blockMs, 'STREAMS', key, cursor);
  while (!options.signal.aborted) {
    const reply = await untilDone(`XREAD ${key}`, read, options);
    for (const raw of parseReadReply(reply)) {
      if (options.signal.aborted) return;
      const decoded = decodeEntry(raw, 1);
      if (decoded.ok) onEntry({ id: raw.id, records: decoded.entry.records });
      else options.logger.warn('client: entry skipped', { stream: key, id: raw.id, reason: decoded.reason });
      cursor = raw.id;
    }
  }
}
