import type Redis from 'ioredis';
import {
  CheckpointingConsumer,
  Checkpointer,
  jsonStateCodec,
  streamKeys,
  type CheckpointingConsumerOptions,
  type CommitResult,
  type ConsumedRecord,
  type RecordPosition,
} from '@tickline/bus';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import {
  addSeqs,
  emptySeqState,
  expectExactlyOnce,
  publishSeqs,
  type SeqRecord,
  type SeqState,
} from './streamFixtures';
import { sharedConsumerOptions } from './checkpointingConsumerFixtures';

const instrument = { venue: 'test', symbol: 'EXO' };
const N = 300;
const PER_ENTRY = 5;
let ctx: RedisTestContext;
let keys: ReturnType<typeof streamKeys>;
let stream: string;
let output: string;
let entryIds: string[];
let cleanups: (() => Promise<void> | void)[];

beforeEach(async () => {
  ctx = redisTestContext('tlexo');
  keys = streamKeys(ctx.prefix);
  stream = keys.ticks(instrument);
  output = keys.bars(instrument, '1m');
  cleanups = [];
  entryIds = await publishSeqs(ctx.redis, stream, 1, N, PER_ENTRY);
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await ctx.cleanup();
});

const lastPosition = (): RecordPosition => ({
  entryId: entryIds[entryIds.length - 1]!,
  index: PER_ENTRY - 1,
});

/** Sums the seqs, and writes each batch's seqs to an output stream in the same commit. */
function sumAndEmit(state: SeqState, records: readonly ConsumedRecord[]) {
  const seqs = records.map((r) => (r.record as SeqRecord).seq);
  return {
    state: addSeqs(state, records),
    outputs: [{ stream: output, fields: { d: JSON.stringify(seqs) } }],
  };
}

function makeConsumer(
  name: string,
  overrides: Partial<CheckpointingConsumerOptions<SeqState>> = {},
): CheckpointingConsumer<SeqState> {
  const consumer = new CheckpointingConsumer<SeqState>({
    redis: ctx.redis,
    ...sharedConsumerOptions(keys, instrument, name),
    initialState: emptySeqState,
    process: sumAndEmit,
    count: 3,
    claimIdleMs: 60000,
    backoff: { initialMs: 10, maxMs: 100 },
    ...overrides,
  });
  cleanups.push(() => consumer.stop());
  return consumer;
}

/** A consumer that processes two batches, then hangs in its third (before committing) until released. */
function stallingConsumer(name: string, redis: Redis, blockingRedis: Redis) {
  let calls = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let stalled = false;
  const refusals: CommitResult[] = [];
  const consumer = makeConsumer(name, {
    redis,
    blockingRedis,
    onRefused: (result) => refusals.push(result),
    process: async (state, records) => {
      calls += 1;
      if (calls === 3) {
        stalled = true;
        await released;
      }
      return sumAndEmit(state, records);
    },
  });
  cleanups.push(release); // cleanups run in reverse: released before it is stopped
  return { consumer, release, refusals, isStalled: () => stalled };
}

async function committed(): Promise<{ state: SeqState; position: RecordPosition } | undefined> {
  const checkpointer = new Checkpointer({
    redis: ctx.redis,
    key: keys.checkpoint('agg', instrument),
    stream,
    group: 'agg',
  });
  const checkpoint = await checkpointer.load();
  return (
    checkpoint && {
      state: jsonStateCodec<SeqState>().decode(checkpoint.state),
      position: checkpoint.position,
    }
  );
}

async function expectAllDoneOnce(): Promise<void> {
  await waitFor(async () => (await committed())?.position.entryId === lastPosition().entryId, {
    timeoutMs: 15000,
    what: 'checkpoint at the last entry',
  });
  const done = await committed();
  expect(done!.position).toEqual(lastPosition());
  expectExactlyOnce(done!.state, N);
  const emitted = (await ctx.redis.xrange(output, '-', '+')).flatMap(
    ([, f]) => JSON.parse(f[1]!) as number[],
  );
  expectExactlyOnce({ sum: emitted.reduce((a, b) => a + b, 0), count: emitted.length, seen: emitted }, N);
  expect(Number(((await ctx.redis.xpending(stream, 'agg')) as [number])[0])).toBe(0);
}

function ownClients(): [Redis, Redis] {
  const clients: [Redis, Redis] = [testRedisClient(), testRedisClient()];
  cleanups.push(() => clients.forEach((c) => c.disconnect()));
  return clients;
}

it('consumes every entry exactly once across a consumer crash; the survivor reclaims the pending ones', async () => {
  const [redisA, blockingA] = ownClients();
  const a = stallingConsumer('A', redisA, blockingA);
  await a.consumer.start();
  await waitFor(a.isStalled, { what: 'A in its third batch' });
  redisA.disconnect(); // A crashes: its connections are gone, its third batch stays pending
  blockingA.disconnect();
  expect((await committed())!.state.count).toBe(2 * 3 * PER_ENTRY);

  const b = makeConsumer('B', { claimIdleMs: 300, claimIntervalMs: 50 });
  await b.start();
  await expectAllDoneOnce();
  expect(b.consumer.stats.claimed).toBe(3);
});

it('refuses the stale commit of a consumer that wakes up after its entries were reclaimed', async () => {
  const [redisA, blockingA] = ownClients();
  const a = stallingConsumer('A', redisA, blockingA);
  await a.consumer.start();
  await waitFor(a.isStalled, { what: 'A in its third batch' });

  const b = makeConsumer('B', { claimIdleMs: 300, claimIntervalMs: 50 });
  await b.start();
  await expectAllDoneOnce();

  a.release(); // A wakes up and commits its third batch on top of what it loaded before B took over
  await waitFor(() => a.refusals.length === 1, { what: "A's refused commit" });
  expect(a.refusals[0]).toEqual({ committed: false, reason: 'stale', current: lastPosition() });
  expect(a.consumer.refusals).toBe(1);
  expect(a.consumer.commits).toBe(2);
  await a.consumer.stop();
  await expectAllDoneOnce(); // nothing of A's third batch got in
});

it('resumes after the checkpoint: acks own pending entries it covers, continues mid-entry', async () => {
  await ctx.redis.xgroup('CREATE', stream, 'agg', '0');
  await ctx.redis.xreadgroup('GROUP', 'agg', 'C', 'COUNT', 2, 'STREAMS', stream, '>'); // C had read 2 entries
  const checkpointer = new Checkpointer({
    redis: ctx.redis,
    key: keys.checkpoint('agg', instrument),
    stream,
    group: 'agg',
  });
  const state = emptySeqState();
  for (let seq = 1; seq <= PER_ENTRY + 2; seq += 1)
    addSeqs(state, [{ position: { entryId: '', index: 0 }, record: { seq } }]);
  await checkpointer.commit({
    expected: undefined,
    position: { entryId: entryIds[1]!, index: 1 }, // up to seq 7, in the middle of the second entry
    state: JSON.stringify(state),
  });
  const seen: number[] = [];
  const c = makeConsumer('C', {
    process: (s, records) => {
      seen.push(...records.map((r) => (r.record as SeqRecord).seq));
      return { state: addSeqs(s, records) };
    },
  });
  await c.start();
  await waitFor(async () => (await committed())?.position.entryId === lastPosition().entryId, {
    what: 'the end',
  });
  expect(seen[0]).toBe(8);
  expectExactlyOnce((await committed())!.state, N);
  expect(Number(((await ctx.redis.xpending(stream, 'agg')) as [number])[0])).toBe(0);
});
