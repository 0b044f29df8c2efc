import type { Queue } from 'bullmq';

/** A checked backfill request as the gateway hands it on. */
export interface BackfillOrder {
  readonly venue: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly from: number;
  readonly to: number;
  readonly provider?: string;
}

export interface BackfillQueued {
  readonly id: string;
  readonly chunks: number;
  /** The same request was queued or done already: nothing was added. */
  readonly existed: boolean;
}

/** Backfill figures for the dashboard's panel. */
export interface BackfillFigures {
  readonly queued: number;
  readonly running: number;
  readonly failed: number;
  /** Rows written over rows expected, across running requests; null when none runs. */
  readonly progress: number | null;
}

/**
 * The backfill service's queue, as the gateway uses it (wired by the composition root, packages/cli's
 * serviceRegistry, since a service does not import another). Without one, requests go to the
 * `<prefix>:backfill:requests` stream.
 */
export interface BackfillPort {
  /** Queues the request, or says why the service refuses it (no provider serves it...): a 400 for the caller. */
  enqueue(order: BackfillOrder): Promise<BackfillQueued | { readonly refused: string }>;
  figures(): Promise<BackfillFigures>;
  /**
   * The BullMQ queues shown by the queue dashboard (Bull Board) at /admin/queues: the backfill's and
   * the fundamentals refresh. None: the dashboard answers 503. Closed by `close`.
   */
  readonly queues?: readonly Queue[];
  close(): Promise<void>;
}
