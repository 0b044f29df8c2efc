import { join } from 'node:path';
import {
  redisTestContext,
  redisUrl,
  spawnTs,
  testRedisClient,
  type RedisTestContext,
} from '@tickline/testkit';
import { apiKeyId, ProviderError, ProviderGate, RedisRateLimiter, type RateLimitRule } from '../src';
import { hammer } from './support/hammer';

let ctx: RedisTestContext;
beforeEach(() => (ctx = redisTestContext('tlrate')));
afterEach(() => ctx.cleanup());

function limiter(rules: RateLimitRule[], provider = 'test', keyId?: string, leaseMs?: number) {
  return new RedisRateLimiter({ redis: ctx.redis, prefix: ctx.prefix, provider, keyId, rules, leaseMs });
}

/** The most weight granted within any `windowMs` (grant times are Redis ms; the window is (t-w, t]). */
function peakWeight(grants: { at: number; weight: number }[], windowMs: number): number {
  const sorted = [...grants].sort((a, b) => a.at - b.at);
  let peak = 0;
  let sum = 0;
  let first = 0;
  for (const grant of sorted) {
    sum += grant.weight;
    while (sorted[first]!.at <= grant.at - windowMs) sum -= sorted[first++]!.weight;
    peak = Math.max(peak, sum);
  }
  return peak;
}

describe('RedisRateLimiter', () => {
  it('grants up to the limit, then says how long to wait', async () => {
    const rl = limiter([{ limit: 10, windowMs: 60000 }]);
    for (let i = 0; i < 5; i++) {
      const grant = await rl.tryAcquire(2);
      expect(grant.waitMs).toBe(0);
      await rl.complete(grant);
    }
    const refused = await rl.tryAcquire(1);
    expect(refused.waitMs).toBeGreaterThan(59000);
    expect(refused.waitMs).toBeLessThanOrEqual(60001);
  });

  it('keeps a grant in flight until complete, then books it for one window from the reply', async () => {
    const rl = limiter([{ limit: 1, windowMs: 100 }], 'test', undefined, 60000);
    const grant = await rl.tryAcquire();
    expect(grant.waitMs).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 250)); // a slow request: far past the window
    expect((await rl.tryAcquire()).waitMs).toBeGreaterThan(0); // still in flight: still counted
    const repliedAt = await rl.complete(grant);
    const refused = await rl.tryAcquire();
    expect(refused.waitMs).toBeGreaterThan(0);
    expect(refused.nowMs + refused.waitMs).toBe(repliedAt + 101); // a window after the reply
    await new Promise((resolve) => setTimeout(resolve, refused.waitMs + 5));
    expect((await rl.tryAcquire()).waitMs).toBe(0);
  });

  it("uses the provider's reported count: room once its window rolled over, our later grants added", async () => {
    const rl = limiter([{ limit: 4, windowMs: 60000 }]);
    const minute = (used: number) => [{ used, windowMs: 60000 }];
    const first = await rl.tryAcquire(2);
    await rl.complete(first, minute(2));
    await new Promise((resolve) => setTimeout(resolve, 3)); // a reply in the same ms might be later: counted
    const second = await rl.tryAcquire(2);
    expect(second.waitMs).toBe(0);
    // Our log is full and the report (2) plus the grant still out (2) leave no room either.
    const refused = await rl.tryAcquire(2);
    expect(refused.waitMs).toBeGreaterThan(0);
    expect(refused.waitMs).toBeLessThanOrEqual(25); // a reply is due: look again soon
    // The venue counted the second request alone: its window rolled over in between.
    await rl.complete(second, minute(2));
    const third = await rl.tryAcquire(2);
    expect(third.waitMs).toBe(0); // 2 reported + 2 now, though our own log holds 6
    expect((await rl.tryAcquire(1)).waitMs).toBeGreaterThan(0); // the third is out: 2 + 2 + 1 > 4
    // A report of an older grant does not replace the newer one.
    await rl.complete(first, minute(0));
    expect((await rl.tryAcquire(1)).waitMs).toBeGreaterThan(0);
    // Without any report the log alone decides: a minute from the replies.
    const plain = limiter([{ limit: 4, windowMs: 60000 }], 'plain');
    await plain.complete(await plain.acquire(4));
    expect((await plain.tryAcquire(1)).waitMs).toBeGreaterThan(59000);
  });

  it('frees a grant that was never completed once its lease ends', async () => {
    const rl = limiter([{ limit: 1, windowMs: 50 }], 'test', undefined, 100);
    const lost = await rl.tryAcquire(); // its process died mid-request
    const refused = await rl.tryAcquire();
    expect(refused.waitMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100 + 50 + 10));
    expect((await rl.tryAcquire()).waitMs).toBe(0);
    expect(lost.waitMs).toBe(0);
  });

  it('checks every rule: a short burst rule and a long daily one', async () => {
    const rl = limiter([
      { limit: 2, windowMs: 1000 },
      { limit: 3, windowMs: 86_400_000 },
    ]);
    for (let i = 0; i < 2; i++) await rl.complete(await rl.acquire());
    const burst = await rl.tryAcquire();
    expect(burst.waitMs).toBeGreaterThan(0);
    expect(burst.waitMs).toBeLessThanOrEqual(1001);
    await new Promise((resolve) => setTimeout(resolve, burst.waitMs + 5));
    expect((await rl.tryAcquire()).waitMs).toBe(0);
    expect((await rl.tryAcquire()).waitMs).toBeGreaterThan(80_000_000); // the daily budget is spent
  });

  it('keeps separate budgets per provider and per key, without the key itself in Redis', async () => {
    const secret = 'SECRET-KEY-123';
    const a = limiter([{ limit: 1, windowMs: 60000 }], 'alphavantage', apiKeyId(secret));
    const b = limiter([{ limit: 1, windowMs: 60000 }], 'alphavantage', apiKeyId('other'));
    expect((await a.tryAcquire()).waitMs).toBe(0);
    expect((await a.tryAcquire()).waitMs).toBeGreaterThan(0);
    expect((await b.tryAcquire()).waitMs).toBe(0);
    const keys = await ctx.redis.keys(`${ctx.prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain(secret);
  });

  it('pushBack (Retry-After, ban) blocks every limiter of the same budget', async () => {
    const a = limiter([{ limit: 100, windowMs: 60000 }]);
    const b = limiter([{ limit: 100, windowMs: 60000 }]);
    await a.pushBack(5000);
    const refused = await b.tryAcquire();
    expect(refused.waitMs).toBeGreaterThan(4000);
    expect(refused.waitMs).toBeLessThanOrEqual(5000);
    await a.pushBack(10); // a shorter push never shortens a longer block
    expect((await b.tryAcquire()).waitMs).toBeGreaterThan(4000);
  });

  it('a gate pushes the shared budget back on 429 and on a ban', async () => {
    const rl = limiter([{ limit: 100, windowMs: 60000 }]);
    const gate = new ProviderGate({ provider: 'test', limiter: rl });
    const banned = new ProviderError('BANNED', 'test: 418', { retryAfterMs: 3000 });
    await expect(gate.run(1, () => Promise.reject(banned))).rejects.toBe(banned);
    const other = limiter([{ limit: 100, windowMs: 60000 }]); // another worker, same budget
    expect((await other.tryAcquire()).waitMs).toBeGreaterThan(2000);
  });

  it("observeUsage books the provider's reported usage that this limiter did not grant", async () => {
    const rl = limiter([{ limit: 6000, windowMs: 60000 }]);
    await rl.acquire(2);
    expect(await rl.observeUsage(5990, 60000)).toBe(5988);
    expect(await rl.observeUsage(100, 60000)).toBe(0); // never gives budget back
    expect(await rl.observeUsage(5990, 1000)).toBe(0); // no such rule
    expect((await rl.tryAcquire(8)).waitMs).toBe(0);
    expect((await rl.tryAcquire(3)).waitMs).toBeGreaterThan(0);
  });

  it('rejects weights no rule can ever grant, and gives up past maxWaitMs', async () => {
    const rl = new RedisRateLimiter({
      redis: ctx.redis,
      prefix: ctx.prefix,
      provider: 'test',
      rules: [{ limit: 3, windowMs: 60000 }],
      maxWaitMs: 100,
    });
    await expect(rl.acquire(4)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await rl.acquire(3);
    const error = (await rl.acquire(1).catch((e: unknown) => e)) as ProviderError;
    expect(error.code).toBe('RATE_LIMIT_WAIT_EXCEEDED');
    expect(error.retryable).toBe(true);
    expect(() => limiter([{ limit: 0, windowMs: 10 }])).toThrow(
      'rule 0 limit must be a whole number of at least 1',
    );
  });

  it('never exceeds the limit with four limiters and a child process hammering it', async () => {
    const rule = { limit: 24, windowMs: 400 };
    const logKey = `${ctx.prefix}:grants`;
    const runMs = 2500;
    const child = spawnTs(
      join(__dirname, 'support', 'hammerLimiter.ts'),
      [ctx.prefix, String(rule.limit), String(rule.windowMs), String(runMs), logKey],
      { REDIS_URL: redisUrl() },
    );
    await child.waitForStdout(/ready/);
    const clients = [0, 1, 2, 3].map(() => testRedisClient());
    try {
      const deadline = Date.now() + runMs;
      const local = clients.map((redis) =>
        hammer(
          new RedisRateLimiter({ redis, prefix: ctx.prefix, provider: 'hammer', rules: [rule] }),
          redis,
          logKey,
          deadline,
        ),
      );
      await Promise.all(local);
      await child.waitForStdout(/done \d+/);
    } finally {
      for (const client of clients) client.disconnect();
    }
    const grants = (await ctx.redis.lrange(logKey, 0, -1)).map((line) => {
      const [at, weight, waited] = line.split(':').map(Number);
      return { at: at!, weight: weight!, waited: waited! };
    });
    const childGrants = Number(/done (\d+)/.exec(child.stdout())![1]);
    expect(childGrants).toBeGreaterThan(0);
    expect(grants.length).toBeGreaterThan(childGrants);
    expect(grants.some((g) => g.waited > 0)).toBe(true); // the limit was actually reached
    const peak = peakWeight(grants, rule.windowMs);
    expect(peak).toBeLessThanOrEqual(rule.limit);
    const used = grants.reduce((sum, g) => sum + g.weight, 0);
    const span = Math.max(...grants.map((g) => g.at)) - Math.min(...grants.map((g) => g.at));
    const allowed = rule.limit * (1 + Math.floor(span / rule.windowMs)); // a full window at the start
    process.stdout.write(
      `limiter hammer: ${grants.length} grants (child ${childGrants}), peak ${peak}/${rule.limit} per ${rule.windowMs} ms, ` +
        `${((100 * used) / allowed).toFixed(0)}% of the allowed weight used\n`,
    );
  }, 30000);
});
