import type Redis from 'ioredis';
import { ProviderGate, RedisRateLimiter, type RateLimitRule } from '@tickline/providers';

/** A gate without a shared limit (pure HTTP tests) or with one in Redis under `prefix`. */
export function gate(provider: string, limit?: { redis: Redis; prefix: string; rules: RateLimitRule[] }) {
  const limiter =
    limit && new RedisRateLimiter({ redis: limit.redis, prefix: limit.prefix, provider, rules: limit.rules });
  return new ProviderGate({ provider, limiter, breaker: { failureThreshold: 3, cooldownMs: 60000 } });
}

/** Every page of a request, following `next`. */
export async function allPages<P extends { next?: string }>(
  fetchPage: (cursor?: string) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    pages.push(page);
    cursor = page.next;
  } while (cursor !== undefined);
  return pages;
}
