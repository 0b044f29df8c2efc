import type Redis from 'ioredis';
import { createRedis, StreamPublisher, trimStream, trimToLength, type TrimReport } from '@tickline/bus';
import { redisTestContext, redisUrl, type RedisTestContext } from '@tickline/testkit';

/** Entries `1-0` .. `n-0`. */
async function fill(redis: Redis, key: string, n: number, from = 1): Promise<void> {
  const pipeline = redis.pipeline();
  for (let i = from; i < from + n; i++) pipeline.xadd(key, `${i}-0`, 'd', 'x');
  await pipeline.exec();
}

/** Group `name` reads `read` entries and acknowledges the first `acked` of them. */
async function consume(redis: Redis, key: string, name: string, read: number, acked: number): Promise<void> {
  await redis.xgroup('CREATE', key, name, '0');
  if (read === 0) return;
  const reply = (await redis.xreadgroup('GROUP', name, 'c', 'COUNT', read, 'STREAMS', key, '>')) as [
    string,
    [string, string[]][],
  ][];
  const ids = reply[0]![1].map(([id]) => id);
  if (acked > 0) await redis.xack(key, name, ...ids.slice(0, acked));
}

async function presentIds(redis: Redis, key: string): Promise<Set<number>> {
  const entries = await redis.xrange(key, '-', '+');
  return new Set(entries.map(([id]) => Number(id.split('-')[0])));
}

const lossOf = (report: TrimReport) => Object.fromEntries(report.lost.map((g) => [g.group, g]));

describe('trimming', () => {
  let ctx: RedisTestContext;
  let key: string;
  beforeEach(() => {
    ctx = redisTestContext('tltrim');
    key = `${ctx.prefix}:ticks:{binance:BTCUSDT}`;
  });
  afterEach(async () => {
    await ctx.cleanup();
  });

  test('MINID trimming never removes an entry some group has not acknowledged', async () => {
    await fill(ctx.redis, key, 1000);
    await consume(ctx.redis, key, 'fast', 900, 900);
    await consume(ctx.redis, key, 'slow', 600, 300); // 301..600 pending, 601.. undelivered
    const report = await trimStream(ctx.redis, key, { mode: 'minid' });
    expect(report).toMatchObject({ how: 'minid', minId: '301-0', lostTotal: 0 });
    expect(report.removed).toBeGreaterThan(0); // whole nodes below 301 go
    const present = await presentIds(ctx.redis, key);
    for (let i = 301; i <= 1000; i++) expect(present.has(i)).toBe(true);
    expect(present.size).toBe(1000 - report.removed);
  });

  test('a stream without a group is kept to maxLen', async () => {
    await fill(ctx.redis, key, 1000);
    const report = await trimStream(ctx.redis, key, { mode: 'minid', maxLen: 200 });
    expect(report.how).toBe('maxlen');
    expect(await ctx.redis.xlen(key)).toBeLessThan(1000);
    expect(await ctx.redis.xlen(key)).toBeGreaterThanOrEqual(200);
  });

  test('a hard cap cuts anyway and reports exactly the unacknowledged entries destroyed', async () => {
    await fill(ctx.redis, key, 1000);
    await consume(ctx.redis, key, 'slow', 600, 300); // acked 1..300, pending 301..600, undelivered 601..1000
    await consume(ctx.redis, key, 'idle', 0, 0); // everything undelivered
    await consume(ctx.redis, key, 'done', 1000, 1000);
    const report = await trimStream(ctx.redis, key, { mode: 'minid', hardMaxLen: 250 });
    expect(await ctx.redis.xlen(key)).toBe(250); // 751..1000 remain
    expect(lossOf(report)).toEqual({
      slow: { group: 'slow', pending: 300, undelivered: 150 },
      idle: { group: 'idle', pending: 0, undelivered: 750 },
    });
    expect(report.lostTotal).toBe(1200);
  });

  test('exact after an earlier loss inflated the lag, and when XDEL made the lag null', async () => {
    await fill(ctx.redis, key, 500);
    await consume(ctx.redis, key, 'g', 100, 100);
    const first = await trimToLength(ctx.redis, key, 300, false); // 101..200 undelivered lost
    expect(lossOf(first)).toEqual({ g: { group: 'g', pending: 0, undelivered: 100 } });
    await ctx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 50, 'STREAMS', key, '>'); // 201..250 pending
    await fill(ctx.redis, key, 100, 501);
    await ctx.redis.xdel(key, '450-0'); // lag becomes null
    const second = await trimToLength(ctx.redis, key, 200, false); // 399 entries: 201..600 minus 450
    // Removed: 201..399 (199 entries): pending 201..250 and undelivered 251..399 lost.
    expect(second.removed).toBe(199);
    expect(lossOf(second)).toEqual({ g: { group: 'g', pending: 50, undelivered: 149 } });
  });

  test('the publisher trims the streams it wrote, below the slowest group', async () => {
    const reports: TrimReport[] = [];
    const publisher = new StreamPublisher(createRedis({ url: redisUrl() }), {
      maxRecordsPerEntry: 1,
      trim: { mode: 'minid', intervalMs: 60_000 },
      onTrim: (r) => reports.push(r),
    });
    await ctx.redis.xgroup('CREATE', key, 'g', '$', 'MKSTREAM');
    for (let i = 0; i < 1000; i++) await publisher.publish(key, { seq: i });
    await publisher.flush();
    const reply = (await ctx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 700, 'STREAMS', key, '>')) as [
      string,
      [string, string[]][],
    ][];
    const ids = reply[0]![1].map(([id]) => id);
    await ctx.redis.xack(key, 'g', ...ids.slice(0, 500));
    const [report] = await publisher.trimNow();
    await publisher.close();
    expect(report).toMatchObject({ how: 'minid', minId: ids[500], lostTotal: 0 });
    const left = (await ctx.redis.xrange(key, '-', '+')).map(([id]) => id);
    expect(left).toEqual(expect.arrayContaining(ids.slice(500)));
    expect(reports).toEqual(report!.removed > 0 ? [report] : []);
  });
});
