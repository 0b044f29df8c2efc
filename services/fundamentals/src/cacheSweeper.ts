import type { CleanupPolicy, SnapshotStore, SweptFiles } from '@tickline/fundamentals';
import { Counter, type Registry } from 'prom-client';

export interface CacheSweeperLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface CacheSweeperOptions {
  /** Between sweeps, ms; the first runs at `start()`. */
  readonly intervalMs: number;
  readonly registry: Registry;
  readonly logger: CacheSweeperLogger;
}

/**
 * Keeps the fundamentals cache to its policy: sweeps it at start and then on an interval, and counts
 * and logs every deletion (also those made after each fetch, through `deleted`), so an operator can
 * see what went and why the cache stays the size it does.
 */
export class CacheSweeper {
  private readonly deletedFiles: Counter<'provider'>;
  private target: { store: SnapshotStore; policy: CleanupPolicy | undefined } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: CacheSweeperOptions) {
    this.deletedFiles = new Counter({
      name: 'tickline_fundamentals_cache_deleted_total',
      help: 'Fundamentals cache files deleted by cleanup (superseded or corrupt copies), per provider',
      labelNames: ['provider'],
      registers: [options.registry],
    });
  }

  /** Sweeps `store` now and then every `intervalMs` with the policy its service cleans by after each fetch. */
  start(store: SnapshotStore, policy: CleanupPolicy | undefined): void {
    this.target = { store, policy };
    void this.sweepNow();
    this.timer = setInterval(() => void this.sweepNow(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Counts and logs one cleanup's deletions. */
  readonly deleted = (swept: SweptFiles): void => {
    this.deletedFiles.inc({ provider: swept.provider }, swept.deleted.length);
    this.options.logger.info({ ...swept }, 'fundamentals: cache copies deleted');
  };

  /** Starts a sweep unless one is running; resolves when it is over (never rejects). */
  sweepNow(): Promise<void> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    if (!this.target) return;
    try {
      const report = await this.target.store.sweep(this.target.policy);
      for (const swept of report) this.deleted(swept);
    } catch (error) {
      this.options.logger.warn(
        { err: String(error) },
        'fundamentals: cache sweep failed; retried at the next interval',
      );
    }
  }
}
