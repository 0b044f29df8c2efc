import { bullConnection as createBullConnection, type RedisClient } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import { FlowProducer, Queue } from 'bullmq';

/** Parent jobs, one per request: completed when all its chunks are. */
export const REQUESTS_QUEUE = 'backfill-requests';
/** Chunk jobs: about one provider request each. */
export const CHUNKS_QUEUE = 'backfill-chunks';

/**
 * BullMQ's key prefix: under the Tickline prefix, with one hash tag so a flow's parent and children
 * (two queues) live in one Redis Cluster slot.
 */
export function bullPrefix(prefix: string): string {
  return `${prefix}:{backfill}`;
}

/** A BullMQ client from the config's Redis settings (one server or a Redis Cluster). */
export function bullConnection(config: TicklineConfig, name: string): RedisClient {
  return createBullConnection(redisConnectionSettings(config), name);
}

/** The two queues and the flow producer, on one connection. */
export class BackfillQueues {
  readonly requests: Queue;
  readonly chunks: Queue;
  readonly flow: FlowProducer;
  readonly prefix: string;

  constructor(
    readonly connection: RedisClient,
    prefix: string,
  ) {
    this.prefix = bullPrefix(prefix);
    const options = { connection, prefix: this.prefix };
    this.requests = new Queue(REQUESTS_QUEUE, options);
    this.chunks = new Queue(CHUNKS_QUEUE, options);
    this.flow = new FlowProducer(options);
  }

  /** Closes the queues; the connection stays open (its owner closes it). Runs every step. */
  async close(): Promise<void> {
    await Promise.allSettled([this.requests.close(), this.chunks.close(), this.flow.close()]);
  }
}
