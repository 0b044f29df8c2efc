import { consumerGroups, lagReadiness } from '@tickline/bus';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';

let ctx: RedisTestContext;
let stream: string;

beforeEach(async () => {
  ctx = redisTestContext('tlgroups');
  stream = `${ctx.prefix}:ticks:{test:LAG}`;
  for (let i = 1; i <= 10; i++) await ctx.redis.xadd(stream, `${i}-0`, 'v', String(i));
  await ctx.redis.xgroup('CREATE', stream, 'agg', '0');
});
afterEach(() => ctx.cleanup());

test('reports lag and pending per group, and no groups for a missing stream', async () => {
  await ctx.redis.xreadgroup('GROUP', 'agg', 'c1', 'COUNT', 4, 'STREAMS', stream, '>');
  expect(await consumerGroups(ctx.redis, stream)).toEqual([{ group: 'agg', lag: 6, pending: 4 }]);
  expect(await consumerGroups(ctx.redis, `${ctx.prefix}:nothing`)).toEqual([]);
});

test('readiness fails naming the stream while the group is too far behind, and passes once it catches up', async () => {
  const check = lagReadiness(ctx.redis, () => [stream], 'agg', 5);
  await expect(check()).rejects.toThrow(`group agg is behind by more than 5 entries: ${stream} 10`);
  await expect(lagReadiness(ctx.redis, () => [stream], 'agg', 10)()).resolves.toBeUndefined();
  await ctx.redis.xreadgroup('GROUP', 'agg', 'c1', 'COUNT', 6, 'STREAMS', stream, '>');
  await expect(check()).resolves.toBeUndefined();
});

test('passes what it cannot judge: no such group, lag unknown after a deletion, the check turned off', async () => {
  await expect(lagReadiness(ctx.redis, () => [stream], 'other', 1)()).resolves.toBeUndefined();
  await expect(lagReadiness(ctx.redis, () => [stream], 'agg', 0)()).resolves.toBeUndefined();
  await ctx.redis.xdel(stream, '5-0');
  expect((await consumerGroups(ctx.redis, stream))[0]?.lag).toBeUndefined();
  await expect(lagReadiness(ctx.redis, () => [stream], 'agg', 1)()).resolves.toBeUndefined();
});
