import type { FundamentalsService } from '@tickline/fundamentals';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  REFRESH_QUEUE,
  schedulerId,
  SYMBOL_JOB,
  symbolJobId,
  UNIVERSE_JOB,
  type RefreshUniverse,
} from './refreshSchedule';

export interface RefreshJobsOptions {
  connection: ConnectionOptions;
  /** BullMQ key prefix (under the Tickline prefix). */
  prefix: string;
  universes: readonly RefreshUniverse[];
  /** Tries of one symbol while every provider fails [3]. */
  attempts?: number;
  /** First retry delay, doubled each time, ms [30000]. */
  backoffMs?: number;
}

interface UniverseData {
  universe: string;
}
interface SymbolData {
  symbol: string;
}

/**
 * The schedules: one repeatable job per configured universe (upserted, so restarts and several
 * instances keep one schedule each); schedules of universes no longer configured are removed.
 */
export async function syncSchedules(queue: Queue, universes: readonly RefreshUniverse[]): Promise<void> {
  const wanted = new Set(universes.map((u) => schedulerId(u.name)));
  for (const existing of await queue.getJobSchedulers()) {
    if (!wanted.has(existing.key)) await queue.removeJobScheduler(existing.key);
  }
  for (const universe of universes) {
    await queue.upsertJobScheduler(
      schedulerId(universe.name),
      { pattern: universe.cron, tz: 'UTC' },
      { name: UNIVERSE_JOB, data: { universe: universe.name } satisfies UniverseData },
    );
  }
}

/** The refresh jobs' queue (for a producer or a dashboard; the worker side is {@link RefreshJobs}). */
export function refreshQueue(connection: RefreshJobsOptions['connection'], prefix: string): Queue {
  return new Queue(REFRESH_QUEUE, { connection, prefix });
}

/**
 * Queue and worker of the refresh jobs. A universe tick enqueues one job per member (deterministic
 * id); a symbol job fetches through the service with `forceRefresh`, so the cache files, the
 * PostgreSQL history and the providers' shared limits see it like any other fetch. A provider that
 * fails is failed over inside the service; a job fails (and BullMQ retries it with backoff) only
 * when no provider served fresh data.
 */
export class RefreshJobs {
  readonly queue: Queue;
  worker?: Worker;

  constructor(
    private readonly options: RefreshJobsOptions,
    private readonly service: FundamentalsService,
  ) {
    this.queue = refreshQueue(options.connection, options.prefix);
  }

  async start(): Promise<void> {
    await syncSchedules(this.queue, this.options.universes);
    this.worker = new Worker(REFRESH_QUEUE, (job) => this.process(job), {
      connection: this.options.connection,
      prefix: this.options.prefix,
    });
    // Job failures are retried by BullMQ and visible in the queue; connection errors in the readiness check.
    this.worker.on('error', () => undefined);
  }

  /** Enqueues refreshes of these symbols now (one job per symbol, shared with scheduled ones). */
  async enqueue(symbols: readonly string[]): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    const backoff = { type: 'exponential', delay: this.options.backoffMs ?? 30_000 };
    await this.queue.addBulk(
      symbols.map((symbol) => ({
        name: SYMBOL_JOB,
        data: { symbol } satisfies SymbolData,
        // Removed when done, so the id blocks duplicates only while a refresh is pending.
        opts: { jobId: symbolJobId(symbol), attempts, backoff, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.worker?.close(), this.queue.close()]);
  }

  private async process(job: Job): Promise<unknown> {
    if (job.name === UNIVERSE_JOB) {
      const { universe } = job.data as UniverseData;
      const members = this.options.universes.find((u) => u.name === universe)?.symbols ?? [];
      await this.enqueue(members);
      return { enqueued: members.length };
    }
    const { symbol } = job.data as SymbolData;
    const result = await this.service.getFundamentals(symbol, { forceRefresh: true });
    if (result.stale) {
      const why = result.failures.map((f) => `${f.provider} ${f.code}`).join('; ');
      throw new Error(`fundamentals refresh ${symbol}: no provider served fresh data (${why})`);
    }
    return {
      fetched: result.served.filter((s) => s.origin === 'fetched').map((s) => s.provider),
      failed: result.failures.map((f) => f.provider),
    };
  }
}
