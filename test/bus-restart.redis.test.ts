import {
  Checkpointer,
  CheckpointingConsumer,
  StreamPublisher,
  createRedis,
  jsonStateCodec,
  streamKeys,
  type RedisConnectionOptions,
} from '@tickline/bus';
import { RedisServer, testRedisClient, waitFor } from '@tickline/testkit';
import {
  addSeqs,
  emptySeqState,
  expectExactlyOnce,
  type SeqState,
} from '../packages/bus/test/streamFixtures';

// The publisher (StreamPublisher) and a checkpointing consumer run against a test-owned redis-server with an
// append-only file; the server is killed and restarted while both are busy. Ledger: every sequence number in
// the committed state exactly once, nothing left pending.
const N = 4000;
const CHUNK = 50;
const instrument = { venue: 'test', symbol: 'RESTART' };
const fastReconnect: RedisConnectionOptions = {
  commandTimeoutMs: 500,
  retryBaseMs: 20,
  retryMaxMs: 200,
  maxRetriesPerRequest: null,
};

let server: RedisServer;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  server = await RedisServer.start({ appendOnly: true });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.destroy();
});

/** Kills the server (SIGKILL), keeps it down longer than any command timeout, restarts it on its data. */
async function killAndRestart(before: () => Promise<unknown>): Promise<void> {
  await before();
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await server.restart();
}

it('loses and duplicates nothing downstream of the checkpoint across a Redis restart mid-publish', async () => {
  const keys = streamKeys('tl');
  const stream = keys.ticks(instrument);
  const checkpointKey = keys.checkpoint('agg', instrument);
  const check = testRedisClient(server.url, { commandTimeout: 500 });
  cleanups.push(() => check.disconnect());
  const checkpointer = new Checkpointer({ redis: check, key: checkpointKey, stream, group: 'agg' });
  const committedCount = async () => {
    const checkpoint = await checkpointer.load();
    return checkpoint ? jsonStateCodec<SeqState>().decode(checkpoint.state).count : 0;
  };

  const consumerRedis = createRedis({
    ...fastReconnect,
    url: server.url,
    name: 'test-consumer',
    clusterNodes: undefined,
  });
  cleanups.push(() => consumerRedis.disconnect());
  const consumer = new CheckpointingConsumer<SeqState>({
    redis: consumerRedis,
    stream,
    group: 'agg',
    consumer: 'agg-1',
    checkpointKey,
    deadLetterKey: keys.dlq('agg'),
    initialState: emptySeqState,
    process: (state, records) => ({ state: addSeqs(state, records) }),
    count: 20,
    blockMs: 200,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  cleanups.push(() => consumer.stop());
  await consumer.start();

  const publisher = new StreamPublisher(
    createRedis({ ...fastReconnect, url: server.url, name: 'test-publisher' }),
    {
      maxRecordsPerEntry: 16,
      maxBufferedRecords: 256,
      retryBaseMs: 20,
      retryMaxMs: 200,
      trim: { mode: 'none' },
    },
  );
  cleanups.push(() => publisher.close());

  let committedAtRestart = -1;
  let outage: Promise<void> | undefined;
  for (let from = 1; from <= N; from += CHUNK) {
    if (from === 1 + CHUNK * 30)
      outage = killAndRestart(async () => (committedAtRestart = await committedCount()));
    const chunk = Array.from({ length: CHUNK }, (_, i) => ({ seq: from + i }));
    await publisher.publishMany(stream, chunk); // waits while the buffer is full (backpressure)
    await new Promise((resolve) => setTimeout(resolve, 5)); // a live feed, not a bulk load
  }
  await outage;
  await publisher.flush();

  expect(committedAtRestart).toBeGreaterThan(0); // the consumer was mid-way when Redis went down
  expect(committedAtRestart).toBeLessThan(N);
  expect(consumer.consumer.stats.errors).toBeGreaterThan(0); // its commands failed while Redis was down
  expect(publisher.stats.failedRoundTrips).toBeGreaterThan(0);
  await waitFor(async () => (await committedCount()) >= N, {
    timeoutMs: 20000,
    what: `${N} records committed`,
  });
  const checkpoint = await checkpointer.load();
  expectExactlyOnce(jsonStateCodec<SeqState>().decode(checkpoint!.state), N);
  await waitFor(async () => Number(((await check.xpending(stream, 'agg')) as [number])[0]) === 0, {
    what: 'nothing pending',
  });
  expect(await check.xlen(keys.dlq('agg'))).toBe(0);
});
