import {
  createRedis,
  duplicateClient,
  isCluster,
  msgpackCodec,
  silentBusLogger,
  type RedisClient,
} from '@tickline/bus';
import { RedisCluster, waitFor } from '@tickline/testkit';
import { tailStream } from '../src/streamTail';

// The stream tail on a 3-master Redis Cluster of the test's own: its batch script (called by hash, loaded
// on NOSCRIPT) and the XREAD BLOCK pipelined before it go to the master of each stream's slot.
test('streams on different masters are each read whole, in order, and on as entries arrive', async () => {
  const cluster = await RedisCluster.start();
  const redis: RedisClient = createRedis({
    clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
  });
  try {
    await readSixStreams(redis);
  } finally {
    redis.disconnect();
    await cluster.destroy();
  }
}, 60_000);

async function readSixStreams(redis: RedisClient): Promise<void> {
  const keys = Array.from({ length: 6 }, (_, i) => `tltailc:bars:{test:S${i}}:1m`);
  const reader = duplicateClient(redis, { commandTimeout: 5000 });
  const abort = new AbortController();
  const seen = new Map<string, unknown[]>(keys.map((key) => [key, []]));
  const tails = keys.map((key) =>
    tailStream(
      reader,
      key,
      { cursor: '0-0', read: 0 },
      {
        onEntry: (entry) => void seen.get(key)!.push(...entry.records),
        onGap: () => Promise.reject(new Error('no gap expected')),
      },
      {
        blockMs: 200,
        count: 3,
        backoff: { initialMs: 10, maxMs: 50 },
        logger: silentBusLogger,
        secrets: [],
        signal: abort.signal,
      },
    ),
  );
  try {
    for (let n = 0; n < 10; n++) {
      for (const key of keys) await redis.xadd(key, '*', 'v', '1', 'd', msgpackCodec.encode([{ n }]));
      if (n === 4) await new Promise((resolve) => setTimeout(resolve, 300)); // readers wait at the end
    }
    const expected = Array.from({ length: 10 }, (_, n) => ({ n }));
    await waitFor(() => keys.every((key) => seen.get(key)!.length === 10), {
      timeoutMs: 10_000,
      what: 'all',
    });
    for (const key of keys) expect(seen.get(key)).toEqual(expected);
    // The streams are spread: more than one master holds some of them.
    const masters = isCluster(redis) ? redis.nodes('master') : [];
    const holding = await Promise.all(
      masters.map(async (master) => {
        for (const key of keys) {
          const slot = Number(await master.call('CLUSTER', 'KEYSLOT', key));
          if (Number(await master.call('CLUSTER', 'COUNTKEYSINSLOT', slot)) > 0) return true;
        }
        return false;
      }),
    );
    expect(holding.filter(Boolean).length).toBeGreaterThan(1);
  } finally {
    abort.abort();
    await Promise.all(tails);
    reader.disconnect();
  }
}
