import {
  createRedis,
  DeadLetterQueue,
  StreamConsumer,
  msgpackCodec,
  streamKeys,
  type ConsumedEntry,
  type StreamConsumerOptions,
} from '@tickline/bus';
import {
  RedisServer,
  redisTestContext,
  testRedisClient,
  waitFor,
  type RedisTestContext,
} from '@tickline/testkit';
import { entryFields, publishSeqs, recordingLogger, type SeqRecord } from './streamFixtures';

const instrument = { venue: 'test', symbol: 'AAA' };
let ctx: RedisTestContext;
let consumers: StreamConsumer[];

beforeEach(() => {
  ctx = redisTestContext('tlbus');
  consumers = [];
});

afterEach(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await ctx.cleanup();
});

function setup(overrides: Partial<StreamConsumerOptions> & Pick<StreamConsumerOptions, 'handler'>) {
  const keys = streamKeys(ctx.prefix);
  const options: StreamConsumerOptions = {
    redis: ctx.redis,
    streams: [keys.ticks(instrument)],
    group: 'g',
    consumer: 'c1',
    deadLetterKey: keys.dlq('bus-test'),
    blockMs: 100,
    backoff: { initialMs: 10, maxMs: 50 },
    ...overrides,
  };
  const consumer = new StreamConsumer(options);
  consumers.push(consumer);
  return {
    consumer,
    stream: options.streams[0]!,
    dlq: new DeadLetterQueue(ctx.redis, options.deadLetterKey),
  };
}

/** Records each seq the handler accepted (a batch with a poison record is rejected whole). */
function seqCollector() {
  const accepted = new Map<number, number>();
  const poisonAttempts = new Map<number, number>();
  const handler = (entries: readonly ConsumedEntry[]): Promise<void> => {
    const records = entries.flatMap((entry) => entry.records as SeqRecord[]);
    const poison = records.find((r) => r.poison);
    if (poison) {
      poisonAttempts.set(poison.seq, (poisonAttempts.get(poison.seq) ?? 0) + 1);
      return Promise.reject(new Error(`poison record ${poison.seq}`));
    }
    for (const { seq } of records) accepted.set(seq, (accepted.get(seq) ?? 0) + 1);
    return Promise.resolve();
  };
  return { accepted, poisonAttempts, handler };
}

async function pendingCount(stream: string): Promise<number> {
  const summary = (await ctx.redis.xpending(stream, 'g')) as [number];
  return Number(summary[0]);
}

function expectEachOnce(accepted: Map<number, number>, seqs: number[]): void {
  expect([...accepted.keys()].sort((a, b) => a - b)).toEqual(seqs);
  expect([...accepted.values()].every((n) => n === 1)).toBe(true);
}

const range = (from: number, to: number, except: number[] = []): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((n) => !except.includes(n));

it('hands every entry to the handler and acks it; stop is idempotent', async () => {
  const { accepted, handler } = seqCollector();
  const { consumer, stream } = setup({ handler, count: 7 });
  await consumer.start();
  await publishSeqs(ctx.redis, stream, 1, 100, 4);
  await waitFor(() => accepted.size === 100, { what: '100 records' });
  await waitFor(async () => (await pendingCount(stream)) === 0, { what: 'acks' });
  expectEachOnce(accepted, range(1, 100));
  await Promise.all([consumer.stop(), consumer.stop()]);
  await consumer.stop();
});

it('moves a poison entry to the dead-letter stream after maxAttempts, with its reason, and keeps flowing', async () => {
  const { accepted, poisonAttempts, handler } = seqCollector();
  const logger = recordingLogger();
  const { consumer, stream, dlq } = setup({ handler, count: 5, maxAttempts: 3, logger });
  const ids = await publishSeqs(ctx.redis, stream, 1, 40, 2, new Set([13]));
  await consumer.start();
  await waitFor(async () => accepted.size === 38 && (await dlq.read()).length === 1, { what: 'DLQ + rest' });
  expectEachOnce(accepted, range(1, 40, [13, 14])); // 14 shares the poison's entry
  // once in its batch of 5 entries, then alone twice; the 4th delivery goes to the dead-letter stream
  expect(poisonAttempts.get(13)).toBe(3);
  const [letter] = await dlq.read();
  expect(letter).toMatchObject({
    reason: 'poison record 13',
    stream,
    entryId: ids[6],
    group: 'g',
    deliveries: 3,
  });
  expect(msgpackCodec.decode(letter!.payload)).toEqual([{ seq: 13, poison: true }, { seq: 14 }]);
  await waitFor(async () => (await pendingCount(stream)) === 0, { what: 'acks' });
  expect(consumer.stats.deadLettered).toBe(1);
  expect(logger.lines.some((l) => l.level === 'warn' && /dead-letter/.test(l.message))).toBe(true);
});

it('dead-letters an undecodable entry at once, without calling the handler on it', async () => {
  const { accepted, handler } = seqCollector();
  const { consumer, stream, dlq } = setup({ handler, maxAttempts: 3 });
  await publishSeqs(ctx.redis, stream, 1, 3, 1);
  const badId = await ctx.redis.xadd(stream, '*', 'd', '{"seq": 4', 'v', '1');
  await ctx.redis.xadd(stream, '*', ...entryFields([{ seq: 5 }]));
  await consumer.start();
  await waitFor(async () => accepted.size === 4 && (await dlq.read()).length === 1, { what: 'DLQ + rest' });
  expectEachOnce(accepted, [1, 2, 3, 5]);
  const [letter] = await dlq.read();
  expect(letter).toMatchObject({ entryId: badId, deliveries: 0 });
  expect(letter!.reason).toMatch(/^undecodable field d: /);
  expect(letter!.payload.toString()).toBe('{"seq": 4');
  expect(consumer.stats.handlerFailures).toBe(0);
});

it('reclaims entries left pending by a dead consumer (XAUTOCLAIM) and handles them', async () => {
  const keys = streamKeys(ctx.prefix);
  const stream = keys.ticks(instrument);
  await ctx.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  await publishSeqs(ctx.redis, stream, 1, 10, 1);
  await ctx.redis.xreadgroup('GROUP', 'g', 'dead', 'COUNT', 4, 'STREAMS', stream, '>'); // never acked
  const { accepted, handler } = seqCollector();
  const { consumer } = setup({ handler, claimIdleMs: 200, claimIntervalMs: 50 });
  await consumer.start();
  await waitFor(() => accepted.size === 10, { what: 'all 10 incl. reclaimed' });
  expectEachOnce(accepted, range(1, 10));
  expect(consumer.stats.claimed).toBe(4);
  await waitFor(async () => (await pendingCount(stream)) === 0, { what: 'acks' });
});

it('reports pending entries trimmed away before they were handled, by id, and dead-letters them', async () => {
  const keys = streamKeys(ctx.prefix);
  const stream = keys.ticks(instrument);
  await ctx.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  const ids = await publishSeqs(ctx.redis, stream, 1, 6, 1);
  await ctx.redis.xreadgroup('GROUP', 'g', 'dead', 'COUNT', 3, 'STREAMS', stream, '>');
  await ctx.redis.xtrim(stream, 'MINID', ids[2]!); // drops entries 1 and 2 while still pending
  const lost: string[] = [];
  const { accepted, handler } = seqCollector();
  const { consumer, dlq } = setup({
    handler,
    claimIdleMs: 50,
    claimIntervalMs: 20,
    onLost: (l) => lost.push(...l.ids),
  });
  await consumer.start();
  await waitFor(() => accepted.size === 4 && lost.length === 2, { what: 'rest handled, loss reported' });
  expect(lost).toEqual([ids[0], ids[1]]);
  expect(consumer.stats.lost).toBe(2);
  expect((await dlq.read()).map((l) => [l.entryId, l.reason])).toEqual([
    [ids[0], expect.stringMatching(/^lost/)],
    [ids[1], expect.stringMatching(/^lost/)],
  ]);
  await waitFor(async () => (await pendingCount(stream)) === 0, { what: 'acks' });
});

it('refuses streams of different hash tags and a blocking client without a long enough timeout', () => {
  const keys = streamKeys(ctx.prefix);
  const handler = () => Promise.resolve();
  const base = { redis: ctx.redis, group: 'g', consumer: 'c', deadLetterKey: keys.dlq('x'), handler };
  const other = { venue: 'test', symbol: 'BBB' };
  expect(() => new StreamConsumer({ ...base, streams: [keys.ticks(instrument), keys.ticks(other)] })).toThrow(
    /one hash tag/,
  );
  const slow = testRedisClient(undefined, { lazyConnect: true, commandTimeout: 500 });
  try {
    expect(
      () =>
        new StreamConsumer({
          ...base,
          streams: [keys.ticks(instrument)],
          blockingRedis: slow,
          blockMs: 1000,
        }),
    ).toThrow(/commandTimeout and socketTimeout above blockMs/);
  } finally {
    slow.disconnect();
  }
});

it('survives a stalled Redis: commands time out, the loop backs off, then resumes with nothing lost', async () => {
  const server = await RedisServer.start({ appendOnly: false });
  const redis = createRedis({ url: server.url, commandTimeoutMs: 300, retryBaseMs: 20, retryMaxMs: 100 });
  try {
    const { accepted, handler } = seqCollector();
    const stream = streamKeys(ctx.prefix).ticks(instrument);
    const { consumer } = setup({ handler, redis, count: 3, claimIntervalMs: 100 });
    await consumer.start();
    await publishSeqs(redis, stream, 1, 30, 2);
    await waitFor(() => accepted.size === 30, { what: 'first 30' });
    server.pause(); // SIGSTOP: the socket stays open and nothing is answered
    await waitFor(() => consumer.stats.errors >= 2, { what: 'timed-out commands' });
    server.resume();
    await publishSeqs(redis, stream, 31, 60, 2);
    await waitFor(() => accepted.size === 60, { what: 'all 60 after the stall' });
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    await consumer.stop();
  } finally {
    redis.disconnect();
    await server.destroy();
  }
});
