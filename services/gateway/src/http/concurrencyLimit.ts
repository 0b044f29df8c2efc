import { GatewayError } from '../gatewayError';

/** How long a refused client is told to wait before trying again, seconds (`Retry-After`). */
export const RETRY_AFTER_SEC = 1;

/**
 * Counts the expensive requests running (bar reads, fundamentals, backfill requests), per caller and in
 * all, so one token (or, in open mode, one client address) cannot take the gateway's every socket,
 * file handle and database connection, and all callers together cannot either.
 */
export class ConcurrencyLimit {
  private readonly running = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perCaller: number,
    private readonly overall: number,
  ) {}

  /** Takes a slot for `caller`; a 429 with `Retry-After` when none is free. Returns the slot's release (idempotent). */
  acquire(caller: string): () => void {
    const mine = this.running.get(caller) ?? 0;
    if (mine >= this.perCaller) throw busy(`${this.perCaller} expensive requests of this caller are running`);
    if (this.total >= this.overall) throw busy(`${this.overall} expensive requests are running`);
    this.running.set(caller, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.running.get(caller) ?? 1) - 1;
      if (left === 0) this.running.delete(caller);
      else this.running.set(caller, left);
    };
  }

  /** Runs `work` holding a slot for `caller`, released however it ends. */
  async run<T>(caller: string, work: () => Promise<T>): Promise<T> {
    const release = this.acquire(caller);
    try {
      return await work();
    } finally {
      release();
    }
  }
}

function busy(why: string): GatewayError {
  return new GatewayError(
    'TOO_MANY_REQUESTS',
    `${why} already (gateway.maxConcurrentPerToken, gateway.maxConcurrent): retry after ${RETRY_AFTER_SEC} s`,
    undefined,
    RETRY_AFTER_SEC,
  );
}
