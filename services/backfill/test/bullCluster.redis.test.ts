import { isCluster, type RedisClient } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import { RedisCluster, uniquePrefix } from '@tickline/testkit';
import { Worker } from 'bullmq';
import { BackfillQueues, bullConnection, CHUNKS_QUEUE, REQUESTS_QUEUE } from '../src';

// BullMQ on a 3-master Redis Cluster of the test's own, through the connection every BullMQ user in
// Tickline takes from the config: a backfill-shaped flow (parent in the requests queue, children in the
// chunks queue) completes, which needs both queues' keys in the one slot of the `{backfill}` hash tag.
jest.setTimeout(60_000);

let cluster: RedisCluster;
let connection: RedisClient;
let queues: BackfillQueues;
const workers: Worker[] = [];

beforeAll(async () => {
  cluster = await RedisCluster.start();
  const config = loadConfig({
    env: { REDIS_CLUSTER_NODES: cluster.ports.map((port) => `127.0.0.1:${port}`).join(',') },
  });
  connection = bullConnection(config, 'test-bull-cluster');
  queues = new BackfillQueues(connection, uniquePrefix('tlbullc'));
});
afterAll(async () => {
  await Promise.allSettled(workers.map((worker) => worker.close()));
  await queues?.close();
  connection?.disconnect();
  await cluster?.destroy();
});

test('a flow of a parent and its chunk jobs runs to completion on the cluster', async () => {
  expect(isCluster(connection)).toBe(true);
  const options = { connection, prefix: queues.prefix };
  workers.push(
    new Worker(CHUNKS_QUEUE, (job) => Promise.resolve((job.data as { n: number }).n * 10), options),
    new Worker(
      REQUESTS_QUEUE,
      async (job) => Object.values(await job.getChildrenValues<number>()).reduce((a, b) => a + b, 0),
      options,
    ),
  );
  const flow = await queues.flow.add({
    name: 'request',
    queueName: REQUESTS_QUEUE,
    data: {},
    children: [1, 2, 3].map((n) => ({ name: 'chunk', queueName: CHUNKS_QUEUE, data: { n } })),
  });
  const parent = flow.job;
  let state = await parent.getState();
  for (let i = 0; i < 200 && state !== 'completed' && state !== 'failed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = await parent.getState();
  }
  expect(state).toBe('completed');
  const done = await queues.requests.getJob(parent.id!);
  expect(done?.returnvalue).toBe(60);
});
