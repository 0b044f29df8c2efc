import {
  CheckpointingConsumer,
  removeIdleConsumers,
  streamKeys,
  type CheckpointingConsumerOptions,
  type ConsumedRecord,
} from '@tickline/bus';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import type Redis from 'ioredis';
import { committedState, sharedConsumerOptions } from './checkpointingConsumerFixtures';
import {
  addSeqs,
  emptySeqState,
  expectExactlyOnce,
  publishSeqs,
  type SeqRecord,
  type SeqState,
} from './streamFixtures';

// Taking over a dead consumer's batch: its pending entries are re-read one at a time by the stream
// consumer; the checkpointing consumer grows such a redelivery into one batch (one commit), and falls back to
// one entry at a time when a grown batch fails, so a poison entry is still dead-lettered alone.

const instrument = { venue: 'test', symbol: 'RECOVER' };
const N = 60;
const PER_ENTRY = 5;
const ENTRIES = N / PER_ENTRY;
let ctx: RedisTestContext;
let keys: ReturnType<typeof streamKeys>;
let cleanups: (() => Promise<void> | void)[];

beforeEach(() => {
  ctx = redisTestContext('tlrecover');
  keys = streamKeys(ctx.prefix);
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await ctx.cleanup();
});

function makeConsumer(
  name: string,
  overrides: Partial<CheckpointingConsumerOptions<SeqState>> = {},
): CheckpointingConsumer<SeqState> {
  const consumer = new CheckpointingConsumer<SeqState>({
    redis: ctx.redis,
    ...sharedConsumerOptions(keys, instrument, name),
    initialState: emptySeqState,
    process: (state, records: readonly ConsumedRecord[]) => {
      if (records.some((r) => (r.record as SeqRecord).poison)) throw new Error('poison record');
      return { state: addSeqs(state, records) };
    },
    count: ENTRIES,
    claimIdleMs: 200,
    claimIntervalMs: 50,
    maxAttempts: 3,
    backoff: { initialMs: 10, maxMs: 50 },
    ...overrides,
  });
  cleanups.push(() => consumer.stop());
  return consumer;
}

/** A consumer that reads every entry in one batch and dies (its connections gone) before committing. */
async function dieHoldingEverything(): Promise<void> {
  const clients: Redis[] = [testRedisClient(), testRedisClient()];
  let reached!: () => void;
  const inBatch = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const doomed = makeConsumer('A', {
    redis: clients[0],
    blockingRedis: clients[1],
    process: async () => {
      reached();
      await released;
      throw new Error('dead'); // never commits
    },
  });
  cleanups.push(release); // cleanups run in reverse: released before it is stopped
  await doomed.start();
  await inBatch;
  clients.forEach((c) => c.disconnect());
}

const committed = () => committedState<SeqState>(ctx.redis, keys, instrument);

const pending = async () =>
  Number(((await ctx.redis.xpending(keys.ticks(instrument), 'agg')) as [number])[0]);

it("takes over a dead consumer's whole batch in one commit", async () => {
  await publishSeqs(ctx.redis, keys.ticks(instrument), 1, N, PER_ENTRY);
  await dieHoldingEverything();
  expect(await pending()).toBe(ENTRIES);
  const b = makeConsumer('B');
  await b.start();
  await waitFor(async () => (await committed())?.count === N, { what: 'B committing every seq' });
  expectExactlyOnce((await committed())!, N);
  expect(b.commits).toBe(1); // not one per entry
  expect(await pending()).toBe(0);
  // A holds nothing now: it is removed, B (kept) and entries are not.
  const stream = keys.ticks(instrument);
  expect(await removeIdleConsumers(ctx.redis, stream, 'agg', 'B', 0)).toEqual(['A']);
  const consumers = (await ctx.redis.xinfo('CONSUMERS', stream, 'agg')) as unknown[][];
  expect(consumers.map((c) => c[1])).toEqual(['B']);
});

it('falls back to one entry at a time when the grown batch fails: only the poison entry is dead-lettered', async () => {
  const poison = 23; // in the fifth entry
  await publishSeqs(ctx.redis, keys.ticks(instrument), 1, N, PER_ENTRY, new Set([poison]));
  await dieHoldingEverything();
  // While A holds entries, it is not removed (that would drop them from the pending list).
  expect(await removeIdleConsumers(ctx.redis, keys.ticks(instrument), 'agg', 'B', 0)).toEqual([]);
  const b = makeConsumer('B');
  await b.start();
  await waitFor(async () => (await pending()) === 0 && (await committed())?.count === N - PER_ENTRY, {
    what: 'everything but the poison entry committed',
  });
  const state = (await committed())!;
  const expected = Array.from({ length: N }, (_, i) => i + 1).filter(
    (seq) => Math.ceil(seq / PER_ENTRY) !== 5,
  );
  expect([...state.seen].sort((x, y) => x - y)).toEqual(expected);
  expect(await ctx.redis.xlen(keys.dlq('agg'))).toBe(1);
  expect(b.consumer.stats.deadLettered).toBe(1);
});
