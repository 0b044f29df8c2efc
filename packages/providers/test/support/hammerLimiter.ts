// A separate process hammering a shared limit: acquires until the deadline and logs each grant
// (Redis time and weight) to a Redis list the test checks. Args: prefix, limit, windowMs, runMs, logKey.
import Redis from 'ioredis';
import { RedisRateLimiter } from '../../src';
import { hammer } from './hammer';

async function main(): Promise<void> {
  const [prefix, limit, windowMs, runMs, logKey] = process.argv.slice(2);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const limiter = new RedisRateLimiter({
    redis,
    prefix,
    provider: 'hammer',
    rules: [{ limit: Number(limit), windowMs: Number(windowMs) }],
  });
  process.stdout.write('ready\n');
  const grants = await hammer(limiter, redis, logKey!, Date.now() + Number(runMs));
  process.stdout.write(`done ${grants}\n`);
  redis.disconnect();
}

void main();
