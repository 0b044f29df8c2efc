import type { RedisClient } from './redisClient';

/** Pending-entries-list helpers. Each command touches one stream key, so all are valid on Redis Cluster. */

export interface ClaimResult {
  /** Ids now owned by the claiming consumer. */
  readonly claimed: string[];
  /** Pending ids whose entries no longer exist (trimmed); Redis 7 drops them from the pending list. */
  readonly deleted: string[];
}

/**
 * Takes over every entry of `stream` pending longer than `minIdleMs` (XAUTOCLAIM ... JUSTID, page by page,
 * at most `maxPages` pages). JUSTID leaves the delivery counter alone; the next read of the claimer's own
 * pending entries counts the delivery.
 */
export async function claimIdleEntries(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  minIdleMs: number,
  pageSize = 100,
  maxPages = 10,
): Promise<ClaimResult> {
  const claimed: string[] = [];
  const deleted: string[] = [];
  let cursor = '0-0';
  for (let page = 0; page < maxPages; page += 1) {
    const reply = (await redis.call(
      'XAUTOCLAIM',
      stream,
      group,
      consumer,
      minIdleMs,
      cursor,
      'COUNT',
      pageSize,
      'JUSTID',
    )) as [string, string[], string[]?];
    claimed.push(...reply[1]);
    deleted.push(...(reply[2] ?? []));
    cursor = reply[0];
    if (cursor === '0-0') break;
  }
  return { claimed, deleted };
}

/** Delivery counts of `consumer`'s pending entries with ids in [start, end]. */
export async function deliveryCounts(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  start: string,
  end: string,
  count: number,
): Promise<Map<string, number>> {
  const rows = (await redis.xpending(stream, group, start, end, count, consumer)) as [
    string,
    string,
    number,
    number,
  ][];
  return new Map(rows.map(([id, , , deliveries]) => [id, Number(deliveries)]));
}

/** How many pending entries each consumer of the group holds on `stream`. */
export async function pendingByConsumer(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<Map<string, number>> {
  const summary = (await redis.xpending(stream, group)) as [
    number,
    string | null,
    string | null,
    [string, string][] | null,
  ];
  return new Map((summary[3] ?? []).map(([name, count]) => [name, Number(count)]));
}

/** Whether any consumer of the group holds a pending entry of `stream` with an id below `id`. */
export async function hasPendingBefore(
  redis: RedisClient,
  stream: string,
  group: string,
  id: string,
): Promise<boolean> {
  const rows = await redis.xpending(stream, group, '-', `(${id}`, 1);
  return rows.length > 0;
}

/** Whether `consumer` holds any pending entry of `stream`. */
export async function ownsPending(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
): Promise<boolean> {
  const rows = await redis.xpending(stream, group, '-', '+', 1, consumer);
  return rows.length > 0;
}
