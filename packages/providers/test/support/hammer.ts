import type Redis from 'ioredis';
import type { RedisRateLimiter } from '../../src';

/** Acquires (and completes at once) random weights (1-3) until `deadline`, logging `grantedAt:weight:waitedMs` per grant. */
export async function hammer(limiter: RedisRateLimiter, redis: Redis, logKey: string, deadline: number) {
  let grants = 0;
  while (Date.now() < deadline) {
    const weight = 1 + Math.floor(Math.random() * 3);
    const grant = await limiter.acquire(weight);
    await limiter.complete(grant); // the "request" replied at once
    await redis.rpush(logKey, `${grant.grantedAt}:${weight}:${grant.waitedMs}`);
    grants++;
  }
  return grants;
}
