import {
  Checkpointer,
  connectionOptionsOf,
  createRedis,
  duplicateClient,
  isCluster,
  Lease,
  leaseKey,
  scanKeys,
  StreamConsumer,
  streamKeys,
  type ConsumedEntry,
  type RedisClient,
} from '@tickline/bus';
import { RedisCluster, uniquePrefix, waitFor } from '@tickline/testkit';

// The bus on a 3-master Redis Cluster of the test's own: the client, the helpers that must not assume one
// server (blocking duplicates, SCAN), and the multi-key scripts, whose keys share an instrument's hash tag.
jest.setTimeout(60_000);

let cluster: RedisCluster;
let redis: RedisClient;
beforeAll(async () => {
  cluster = await RedisCluster.start();
  redis = createRedis({ clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) });
});
afterAll(async () => {
  redis?.disconnect();
  await cluster?.destroy();
});

const instruments = Array.from({ length: 24 }, (_, i) => ({ venue: 'test', symbol: `C${i}` }));

test('createRedis with seed nodes makes a Cluster client; its duplicates keep being one', async () => {
  expect(isCluster(redis)).toBe(true);
  expect(connectionOptionsOf(redis).commandTimeout).toBe(5000);
  const blocking = duplicateClient(redis, { commandTimeout: 9000 });
  try {
    expect(isCluster(blocking)).toBe(true);
    expect(connectionOptionsOf(blocking).commandTimeout).toBe(9000);
    expect(await blocking.ping()).toBe('PONG');
  } finally {
    blocking.disconnect();
  }
});

test('scanKeys finds keys on every master, where one SCAN sees a single node', async () => {
  const prefix = uniquePrefix('tlcluscan');
  const keys = streamKeys(prefix);
  await Promise.all(instruments.map((i) => redis.set(leaseKey(prefix, 'x', i), '1')));
  await Promise.all(instruments.map((i) => redis.xadd(keys.ticks(i), '*', 'd', '1')));
  const found = await scanKeys(redis, `${prefix}:*`);
  expect(found.length).toBe(2 * instruments.length);
  expect(new Set(found)).toEqual(
    new Set(instruments.flatMap((i) => [leaseKey(prefix, 'x', i), keys.ticks(i)])),
  );
  const masters = isCluster(redis) ? redis.nodes('master') : [];
  expect(masters).toHaveLength(3);
  const oneNode = await masters[0]!.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 1000);
  expect(oneNode[1].length).toBeLessThan(found.length);
});

test("a checkpoint commit writes state, acks and outputs in the instrument's slot; leases hold", async () => {
  const prefix = uniquePrefix('tlclusckpt');
  const keys = streamKeys(prefix);
  for (const instrument of instruments.slice(0, 6)) {
    const input = keys.ticks(instrument);
    await redis.xgroup('CREATE', input, 'g', '0', 'MKSTREAM');
    const id = (await redis.xadd(input, '*', 'd', '1'))!;
    await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', input, '>');
    const checkpointer = new Checkpointer({
      redis,
      key: keys.checkpoint('agg', instrument),
      stream: input,
      group: 'g',
    });
    const result = await checkpointer.commit({
      expected: undefined,
      position: { entryId: id, index: 0 },
      state: 'S',
      ack: [id],
      outputs: [{ stream: keys.bars(instrument, '1m'), fields: { d: 'bar' } }],
    });
    expect(result).toMatchObject({ committed: true, commits: 1 });
    expect((await checkpointer.load())?.state.toString()).toBe('S');
    expect(await redis.xlen(keys.bars(instrument, '1m'))).toBe(1);
    expect(((await redis.xpending(input, 'g')) as [number])[0]).toBe(0);
    const lease = new Lease(redis, leaseKey(prefix, 'agg', instrument), 'me', 5000);
    expect(await lease.hold()).toBe(true);
    expect(await new Lease(redis, lease.key, 'other', 5000).hold()).toBe(false);
  }
  // Another instrument's stream is another slot: refused before it reaches Redis.
  const [a, b] = instruments;
  const checkpointer = new Checkpointer({
    redis,
    key: keys.checkpoint('agg', a!),
    stream: keys.ticks(a!),
    group: 'g',
  });
  await expect(
    checkpointer.commit({
      expected: undefined,
      position: { entryId: '1-0', index: 0 },
      state: 'S',
      outputs: [{ stream: keys.bars(b!, '1m'), fields: { d: 'bar' } }],
    }),
  ).rejects.toThrow(/outside the checkpoint's hash tag/);
});

test('a StreamConsumer reads the streams of one instrument through a blocking Cluster duplicate', async () => {
  const prefix = uniquePrefix('tlcluscons');
  const keys = streamKeys(prefix);
  const instrument = instruments[7]!;
  const streams = [keys.bars(instrument, '1m'), keys.bars(instrument, '5m')];
  const seen: string[] = [];
  const consumer = new StreamConsumer({
    redis,
    streams,
    group: 'sink',
    consumer: 'c1',
    deadLetterKey: keys.dlq('test'),
    blockMs: 200,
    handler: (entries: readonly ConsumedEntry[]) => {
      for (const entry of entries) seen.push(`${entry.stream}/${entry.records.length}`);
      return Promise.resolve();
    },
  });
  await consumer.start();
  try {
    for (const stream of streams) await redis.xadd(stream, '*', 'v', '1', 'n', '1', 'd', '[1]');
    await waitFor(() => seen.length === 2, { timeoutMs: 10_000, what: 'both entries consumed' });
  } finally {
    await consumer.stop();
  }
  expect(seen.sort()).toEqual(streams.map((s) => `${s}/1`).sort());
});
