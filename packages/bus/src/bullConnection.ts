import { createRedis, type RedisClient, type RedisConnectionOptions } from './redisClient';

/**
 * A client for BullMQ queues and workers from Tickline's Redis settings, on one server or a Redis Cluster
 * alike: no command or socket timeout (BullMQ's workers block on purpose, longer than a command may take
 * elsewhere) and no retry limit per request (BullMQ refuses worker connections that have one). On a
 * cluster, every queue's prefix must carry one hash tag (`{backfill}`, `{fundamentals}`) so a queue's keys,
 * and a flow's parent and children, share a slot.
 */
export function bullConnection(settings: RedisConnectionOptions, name: string): RedisClient {
  return createRedis({
    ...settings,
    name,
    commandTimeoutMs: 0,
    socketTimeoutMs: 0,
    maxRetriesPerRequest: null,
  });
}
