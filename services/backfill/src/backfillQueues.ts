import type { TicklineConfig } from '@tickline/config';
import { FlowProducer, Queue } from 'bullmq';
import Redis from 'ioredis';

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

/**
 * A client for BullMQ: no command timeout (its workers block on purpose) and no retry limit per
 * request (BullMQ's requirement for workers). Built from the config's Redis settings.
 */
export function bullConnection(config: TicklineConfig, name: string): Redis {
  const { url, username, password, tls, connectTimeoutMs } = config.redis;
  const client = new Redis(url, {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(tls.enabled ? { tls: { rejectUnauthorized: tls.rejectUnauthorized } } : {}),
    connectTimeout: connectTimeoutMs,
    connectionName: name,
    maxRetriesPerRequest: null,
  });
  // Connection errors surface through BullMQ's own 'error' events and the readiness check.
  client.on('error', () => undefined);
  return client;
}

/** The two queues and the flow producer, on one connection. */
export class BackfillQueues {
  readonly requests: Queue;
  readonly chunks: Queue;
  readonly flow: FlowProducer;
  readonly prefix: string;

  constructor(
    readonly connection: Redis,
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
