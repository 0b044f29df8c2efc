import { randomBytes } from 'node:crypto';
import Redis, { type RedisOptions } from 'ioredis';

/** A key prefix no other test run uses: `tltest-<random>`. */
export function uniquePrefix(label = 'tltest'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A client for tests: bounded command time, no offline queue surprises hidden behind retries. */
export function testRedisClient(url = redisUrl(), options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    commandTimeout: 5000,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
    ...options,
  });
  client.on('error', () => undefined); // tests assert on command results, not on background noise
  return client;
}

/** Deletes every key under `prefix:` (SCAN, never KEYS) and returns how many were removed. */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await client.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

export interface RedisTestContext {
  readonly prefix: string;
  readonly redis: Redis;
  /** Removes the prefix's keys and closes the client. */
  cleanup(): Promise<void>;
}

/** The shared local Redis, with a prefix of this test's own that is removed afterwards. */
export function redisTestContext(label?: string): RedisTestContext {
  const prefix = uniquePrefix(label);
  const redis = testRedisClient();
  return {
    prefix,
    redis,
    async cleanup() {
      try {
        await deleteKeysWithPrefix(redis, prefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}
