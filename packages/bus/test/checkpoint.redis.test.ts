import { Checkpointer, streamKeys } from '@tickline/bus';
import { RedisServer, redisTestContext, testRedisClient, type RedisTestContext } from '@tickline/testkit';

const instrument = { venue: 'test', symbol: 'CKP' };
let ctx: RedisTestContext;
let keys: ReturnType<typeof streamKeys>;
let input: string;
let output: string;
let checkpointer: Checkpointer;

beforeEach(async () => {
  ctx = redisTestContext('tlckpt');
  keys = streamKeys(ctx.prefix);
  input = keys.ticks(instrument);
  output = keys.bars(instrument, '1m');
  checkpointer = new Checkpointer({
    redis: ctx.redis,
    key: keys.checkpoint('agg', instrument),
    stream: input,
    group: 'g',
  });
  await ctx.redis.xgroup('CREATE', input, 'g', '0', 'MKSTREAM');
});

afterEach(() => ctx.cleanup());

async function deliver(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await ctx.redis.xadd(input, '*', 'd', '[1]'))!);
  await ctx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', count, 'STREAMS', input, '>');
  return ids;
}

const pending = async (): Promise<number> => Number(((await ctx.redis.xpending(input, 'g')) as [number])[0]);

it('has nothing to load before the first commit', async () => {
  expect(await checkpointer.load()).toBeUndefined();
});

it('commits state, position, outputs and acks together, and loads them back', async () => {
  const ids = await deliver(3);
  const position = { entryId: ids[2]!, index: 4 };
  const result = await checkpointer.commit({
    expected: undefined,
    position,
    state: Buffer.from([0, 1, 255]),
    outputs: [
      { stream: output, id: '100-0', fields: { d: 'bar1' } },
      { stream: output, id: '100-1', fields: { d: 'bar2' } },
      { stream: output, fields: { d: 'bar3' } },
    ],
    ack: ids,
  });
  expect(result).toMatchObject({ committed: true, commits: 1 });
  expect(result.committed && result.outputIds.slice(0, 2)).toEqual(['100-0', '100-1']);
  const loaded = await checkpointer.load();
  expect(loaded).toMatchObject({ position, commits: 1 });
  expect(loaded!.state).toEqual(Buffer.from([0, 1, 255]));
  expect((await ctx.redis.xrange(output, '-', '+')).map(([, f]) => f[1])).toEqual(['bar1', 'bar2', 'bar3']);
  expect(await pending()).toBe(0);
});

it('refuses a commit built on a stale position and changes nothing', async () => {
  const ids = await deliver(2);
  const first = { entryId: ids[0]!, index: 0 };
  expect(
    await checkpointer.commit({ expected: undefined, position: first, state: 'a', ack: [ids[0]!] }),
  ).toMatchObject({
    committed: true,
  });
  const stale = await checkpointer.commit({
    expected: undefined,
    position: { entryId: ids[1]!, index: 0 },
    state: 'b',
    outputs: [{ stream: output, fields: { d: 'x' } }],
    ack: [ids[1]!],
  });
  expect(stale).toEqual({ committed: false, reason: 'stale', current: first });
  expect((await checkpointer.load())!.state.toString()).toBe('a');
  expect(await ctx.redis.exists(output)).toBe(0);
  expect(await pending()).toBe(1);
});

it('refuses an output id not above the stream top before writing anything', async () => {
  const ids = await deliver(1);
  await ctx.redis.xadd(output, '200-0', 'd', 'old');
  const result = await checkpointer.commit({
    expected: undefined,
    position: { entryId: ids[0]!, index: 0 },
    state: 's',
    outputs: [
      { stream: output, id: '300-0', fields: { d: 'new' } },
      { stream: output, id: '250-0', fields: { d: 'behind the previous output' } },
    ],
    ack: ids,
  });
  expect(result).toEqual({ committed: false, reason: 'output-id', stream: output, id: '250-0' });
  expect(await checkpointer.load()).toBeUndefined();
  expect(await ctx.redis.xlen(output)).toBe(1);
  expect(await pending()).toBe(1);
});

it('works after the script cache is flushed (EVALSHA falls back to EVAL)', async () => {
  const server = await RedisServer.start({ appendOnly: false }); // SCRIPT FLUSH stays off the shared Redis
  const redis = testRedisClient(server.url);
  try {
    const own = new Checkpointer({
      redis,
      key: keys.checkpoint('agg', instrument),
      stream: input,
      group: 'g',
    });
    await own.commit({ expected: undefined, position: { entryId: '1-0', index: 0 }, state: '1' });
    await redis.script('FLUSH');
    const result = await own.commit({
      expected: { entryId: '1-0', index: 0 },
      position: { entryId: '2-0', index: 0 },
      state: '2',
    });
    expect(result).toMatchObject({ committed: true, commits: 2 });
  } finally {
    redis.disconnect();
    await server.destroy();
  }
});

it('rejects keys outside the hash tag and positions that do not advance', async () => {
  const other = keys.bars({ venue: 'test', symbol: 'OTHER' }, '1m');
  const position = { entryId: '5-0', index: 1 };
  await expect(
    checkpointer.commit({
      expected: undefined,
      position,
      state: '',
      outputs: [{ stream: other, fields: { d: '' } }],
    }),
  ).rejects.toThrow(/outside the checkpoint's hash tag/);
  await expect(checkpointer.commit({ expected: position, position, state: '' })).rejects.toThrow(
    /does not advance/,
  );
  expect(
    () =>
      new Checkpointer({
        redis: ctx.redis,
        key: keys.checkpoint('agg', instrument),
        stream: other,
        group: 'g',
      }),
  ).toThrow(/share a hash tag/);
});
