import { backoffDelay, type BackoffOptions } from '@tickline/bus';
import type { Bar } from '@tickline/core';
import { StorageError, upsertBars, writeCachedBars, type Database } from '@tickline/storage';
import type { CacheHealer } from './cacheHealer';
import { isRetryable } from './retryable';
import type { SinkMetrics } from './sinkMetrics';

/** One place bars are written to. `write` must be idempotent: a batch may be written again after a crash. */
export interface BarStore {
  readonly name: 'db' | 'cache';
  write(bars: readonly Bar[]): Promise<number>;
}

export function databaseStore(db: Database): BarStore {
  // Records are checked against BarSchema when they are read off the stream: no second validation.
  return {
    name: 'db',
    write: async (bars) => (await upsertBars(db, bars, { validate: false }), bars.length),
  };
}

/**
 * The file cache; with `heal`, a write that meets a damaged year file (CACHE_CORRUPT) heals the batch's
 * files (cacheHealer.ts) and is made once more.
 */
export function cacheStore(root: string, heal?: CacheHealer): BarStore {
  const write = async (bars: readonly Bar[]) =>
    bars.length - (await writeCachedBars(root, bars)).skippedPartial;
  return {
    name: 'cache',
    write: async (bars) => {
      try {
        return await write(bars);
      } catch (error) {
        if (heal === undefined || !(error instanceof StorageError) || error.code !== 'CACHE_CORRUPT')
          throw error;
        await heal(bars, error);
        return write(bars);
      }
    },
  };
}

export interface StoreWriterOptions {
  readonly stores: readonly BarStore[];
  readonly metrics: SinkMetrics;
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

/** Thrown when the process stops while a batch still waits for a store: its entries stay pending. */
export class SinkStoppingError extends Error {
  override readonly name = 'SinkStoppingError';
}

/**
 * Writes a batch to every store, each until it commits: a retryable failure (database down, lock
 * timeout, disk full) is retried with backoff for as long as it lasts, and marks the sink unhealthy
 * meanwhile; any other failure is thrown (the consumer retries the entries one by one, then dead-letters
 * the poison ones). A store that committed is not written again on a retry of another.
 */
export class StoreWriter {
  /** Each store's last retryable failure, while not followed by a success of that store; shown by readiness. */
  get problem(): string | undefined {
    return this.problems.size === 0 ? undefined : [...this.problems.values()].join('; ');
  }

  private readonly problems = new Map<string, string>();

  constructor(private readonly options: StoreWriterOptions) {}

  /**
   * Writes to every store at once (the database's round trips overlap the cache's file work); resolves
   * once all committed, rejects with the first failure once every store has finished or given up.
   */
  async write(bars: readonly Bar[]): Promise<void> {
    const stopTimer = this.options.metrics.batchSeconds.startTimer();
    const results = await Promise.allSettled(this.options.stores.map((store) => this.writeTo(store, bars)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    stopTimer();
  }

  private async writeTo(store: BarStore, bars: readonly Bar[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = await store.write(bars);
        this.options.metrics.rows.inc({ store: store.name }, rows);
        this.problems.delete(store.name);
        return;
      } catch (error) {
        this.options.metrics.failures.inc({ store: store.name });
        if (error instanceof StorageError && error.code === 'CACHE_CORRUPT')
          this.options.metrics.cacheIntegrityFailures.inc();
        if (!isRetryable(error)) throw error;
        const message = error instanceof Error ? error.message : String(error);
        this.problems.set(store.name, `${store.name}: ${message}`);
        const delayMs = backoffDelay(attempt, this.options.backoff ?? { initialMs: 100, maxMs: 2000 });
        this.options.log('sink: store unavailable, holding the batch and retrying', {
          store: store.name,
          error: message,
          attempt,
          delayMs: Math.round(delayMs),
        });
        await this.sleep(delayMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    const { signal } = this.options;
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        reject(new SinkStoppingError('sink stopping while a store is unavailable; the batch stays pending'));
      };
      if (signal.aborted) return stop();
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', stop);
        resolve();
      }, ms);
      signal.addEventListener('abort', stop, { once: true });
    });
  }
}
