import {
  CheckpointingConsumer,
  Checkpointer,
  streamKeys,
  type CheckpointingConsumerOptions,
  type ConsumedRecord,
  type TickResult,
} from '@tickline/bus';
import { redisTestContext, waitFor, type RedisTestContext } from '@tickline/testkit';
import { addSeqs, publishSeqs, type SeqState } from './streamFixtures';
import { committedState, sharedConsumerOptions } from './checkpointingConsumerFixtures';

// Ticks: work without input between batches (the aggregator's wall-clock finalization), committed with the
// state at the unchanged position and fenced by the commit count.

interface MarkedState extends SeqState {
  /** How many seqs the last tick output covered. */
  marked: number;
}

const instrument = { venue: 'test', symbol: 'TICK' };
const N = 60;
const PER_ENTRY = 4;
let ctx: RedisTestContext;
let keys: ReturnType<typeof streamKeys>;
let stream: string;
let output: string;
let cleanups: (() => Promise<void>)[];

beforeEach(async () => {
  ctx = redisTestContext('tltick');
  keys = streamKeys(ctx.prefix);
  stream = keys.ticks(instrument);
  output = keys.bars(instrument, 'marks');
  cleanups = [];
  await publishSeqs(ctx.redis, stream, 1, N, PER_ENTRY);
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await ctx.cleanup();
});

/** Emits one output entry `<from>..<to>` for the seqs seen since the last mark; nothing when none. */
function mark(state: MarkedState): TickResult<MarkedState> {
  if (state.count === state.marked) return undefined;
  const text = `${state.marked + 1}..${state.count}`;
  state.marked = state.count;
  return { state, outputs: [{ stream: output, fields: { d: text } }] };
}

function makeConsumer(
  name: string,
  overrides: Partial<CheckpointingConsumerOptions<MarkedState>> = {},
): CheckpointingConsumer<MarkedState> {
  const consumer = new CheckpointingConsumer<MarkedState>({
    redis: ctx.redis,
    ...sharedConsumerOptions(keys, instrument, name),
    initialState: () => ({ sum: 0, count: 0, seen: [], marked: 0 }),
    process: (state, records: readonly ConsumedRecord[]) => ({
      state: addSeqs(state, records) as MarkedState,
    }),
    count: 5,
    ...overrides,
  });
  cleanups.push(() => consumer.stop());
  return consumer;
}

const checkpointer = () =>
  new Checkpointer({ redis: ctx.redis, key: keys.checkpoint('agg', instrument), stream, group: 'agg' });

const committed = () => committedState<MarkedState>(ctx.redis, keys, instrument);

const marks = async (): Promise<string[]> =>
  (await ctx.redis.xrange(output, '-', '+')).map(([, fields]) => fields[1] ?? '');

it('a tick on a quiet stream commits its output with its state at the unchanged position', async () => {
  const consumer = makeConsumer('A', { tick: { intervalMs: 50, run: mark } });
  await consumer.start();
  await waitFor(async () => (await marks()).length > 0 && (await committed())?.marked === N, {
    what: 'a tick mark covering every seq',
  });
  const before = await checkpointer().load();
  expect((await committed())?.count).toBe(N);
  // The marks cover 1..N once each, in order, whatever the batches were when the ticks fell.
  const covered = (await marks()).flatMap((text) => {
    const [from, to] = text.split('..').map(Number) as [number, number];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
  expect(covered).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  await new Promise((resolve) => setTimeout(resolve, 200)); // quiet: ticks with nothing to commit
  const after = await checkpointer().load();
  expect(after?.commits).toBe(before?.commits);
  expect(after?.position).toEqual(before?.position);
});

it('ticks never run while a batch is in flight', async () => {
  let inBatch = false;
  let overlaps = 0;
  let ticks = 0;
  const consumer = makeConsumer('A', {
    count: 1,
    process: async (state, records) => {
      inBatch = true;
      await new Promise((resolve) => setTimeout(resolve, 15));
      inBatch = false;
      return { state: addSeqs(state, records) as MarkedState };
    },
    tick: {
      intervalMs: 5,
      run: (state) => {
        ticks += 1;
        if (inBatch) overlaps += 1;
        return mark(state);
      },
    },
  });
  await consumer.start();
  await waitFor(async () => (await committed())?.marked === N, { what: 'every seq marked' });
  expect(ticks).toBeGreaterThan(3);
  expect(overlaps).toBe(0);
});

it('fences a tick of a stale instance at the same position: no output twice', async () => {
  const a = makeConsumer('A');
  await a.start();
  await waitFor(async () => (await committed())?.count === N, { what: 'A consumed every seq' });
  await a.stop();
  // B loads the same checkpoint as A holds in memory; A marks first, then B's mark is refused and reloads.
  const b = makeConsumer('B');
  expect(await b.apply(() => undefined)).toBe(false); // loads without committing
  expect(await a.apply(mark)).toBe(true);
  expect(await b.apply(mark)).toBe(false);
  expect(b.refusals).toBe(1);
  expect(await b.apply(mark)).toBe(false); // reloaded: A's mark is in the state, nothing left to mark
  expect(b.refusals).toBe(1);
  expect(await marks()).toEqual([`1..${N}`]);
  expect(b.current?.state.marked).toBe(N);
});

it('apply before anything was consumed commits nothing', async () => {
  const empty = { venue: 'test', symbol: 'EMPTY' };
  const consumer = makeConsumer('A', {
    stream: keys.ticks(empty),
    checkpointKey: keys.checkpoint('agg', empty),
  });
  await consumer.start();
  let ran = false;
  expect(
    await consumer.apply((state) => {
      ran = true;
      return mark(state);
    }),
  ).toBe(false);
  expect(ran).toBe(false);
  expect(await ctx.redis.exists(keys.checkpoint('agg', empty))).toBe(0);
});
