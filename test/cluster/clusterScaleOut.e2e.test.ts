import { join } from 'node:path';
import {
  createRedis,
  isCluster,
  leaseKey,
  readStreamRecords,
  StreamPublisher,
  streamKeys,
  type RedisClient,
} from '@tickline/bus';
import type { Bar, InstrumentRef, Trade } from '@tickline/core';
import { queryBars, readCachedBars } from '@tickline/storage';
import {
  deleteKeysWithPrefix,
  RedisCluster,
  redisUrl,
  spawnTs,
  testRedisClient,
  uniquePrefix,
  waitFor,
  type TsChild,
} from '@tickline/testkit';
import {
  aggregatorConfigFile,
  expectOfflineBars,
  generateTrades,
  TIMEFRAMES,
} from '../aggregator/aggregatorFixtures';
import { expectSameBars, ownSchema, tempCache } from '../sink/sinkHarness';

// Scale-out proof: the same ticks of 8 instruments go through two aggregator and two sink processes, once
// on the shared single Redis and once on a 3-master Redis Cluster started here on spare loopback ports.
// Both runs must give the bars of an uninterrupted offline aggregator on the bar streams, and the same
// bars in PostgreSQL (a schema of each run's own) and in the file cache (a directory of each run's own).
jest.setTimeout(180_000);

const MAIN = join(__dirname, '..', '..', 'packages', 'cli', 'src', 'main.ts');
const SINK = join(__dirname, 'sinkInstance.ts');
const INSTRUMENTS: InstrumentRef[] = Array.from({ length: 8 }, (_, i) => ({
  venue: 'binance',
  symbol: `X${i}USDT`,
}));
const TRADES_PER_INSTRUMENT = 12_500;
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2026, 0, 1);

/** Every bar a run left: on the bar streams, in PostgreSQL and in the cache, per instrument and timeframe. */
interface RunBars {
  readonly streams: Bar[][];
  readonly database: Bar[][];
  readonly cache: Bar[][];
  /** Final bars on the streams, all series together. */
  readonly finals: number;
  /** Redis servers holding tick streams of the run (1 on a single Redis). */
  readonly masters: number;
}

interface Target {
  readonly name: string;
  /** How the child processes reach Redis. */
  readonly env: Record<string, string>;
  client(): RedisClient;
}

let cluster: RedisCluster;
const trades: Trade[][] = INSTRUMENTS.map((i, n) => generateTrades(i, TRADES_PER_INSTRUMENT, 4200 + n, 2500));

beforeAll(async () => {
  cluster = await RedisCluster.start({ masters: 3 });
});
afterAll(async () => {
  await cluster?.destroy();
});

const series = <T>(each: (instrument: InstrumentRef, timeframe: (typeof TIMEFRAMES)[number]) => T): T[] =>
  INSTRUMENTS.flatMap((instrument) => TIMEFRAMES.map((timeframe) => each(instrument, timeframe)));

/** A field (`lag`, `pending`) of `group` summed over `streams`; a stream without the group counts as unread. */
async function groupTotal(
  redis: RedisClient,
  streams: readonly string[],
  group: string,
  field: string,
): Promise<number> {
  const values = await Promise.all(
    streams.map(async (stream) => {
      const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
      const found = groups.find((g) => g[g.indexOf('name') + 1] === group);
      return found ? Number(found[found.indexOf(field) + 1] ?? 0) : Infinity;
    }),
  );
  return values.reduce((a, b) => a + b, 0);
}

/** How many servers hold at least one of `keys`: a Cluster's masters are asked one by one. */
async function serversHolding(redis: RedisClient, keys: readonly string[]): Promise<number> {
  if (!isCluster(redis)) return 1;
  let holding = 0;
  for (const node of redis.nodes('master')) {
    const found = await Promise.all(keys.map((key) => node.exists(key).catch(() => 0)));
    if (found.some((n) => n === 1)) holding++;
  }
  return holding;
}

/** How many instruments each aggregator holds the lease of, by pid (one GET per key: they are in many slots). */
async function leaseHolders(redis: RedisClient, prefix: string): Promise<Map<number, number>> {
  const values = await Promise.all(INSTRUMENTS.map((i) => redis.get(leaseKey(prefix, 'aggregator', i))));
  const counts = new Map<number, number>();
  for (const value of values) {
    if (!value) continue;
    const pid = Number(value.slice(value.lastIndexOf('/') + 1));
    counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return counts;
}

async function publishTicks(redis: RedisClient, prefix: string): Promise<void> {
  const keys = streamKeys(prefix);
  const publisher = new StreamPublisher(redis, { maxRecordsPerEntry: 20, closeConnection: false });
  for (let at = 0; at < TRADES_PER_INSTRUMENT; at += 250) {
    await Promise.all(
      INSTRUMENTS.map((instrument, n) =>
        publisher.publishMany(keys.ticks(instrument), trades[n]!.slice(at, at + 250)),
      ),
    );
    await publisher.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await publisher.close();
}

/** Two aggregators and two sinks over the ticks on `target`; the bars they left. */
async function runOn(target: Target): Promise<RunBars> {
  const prefix = uniquePrefix('tlscale');
  const keys = streamKeys(prefix);
  const redis = target.client();
  const schema = await ownSchema();
  const cache = tempCache();
  const config = aggregatorConfigFile();
  const env = {
    ...target.env,
    TICKLINE_PREFIX: prefix,
    TICKLINE_INSTRUMENTS: INSTRUMENTS.map((i) => `${i.venue}:${i.symbol}`).join(','),
    DATABASE_URL: schema.url,
    TICKLINE_CACHE_DIR: cache.root,
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_LOG_LEVEL: 'warn',
    TICKLINE_CONFIG: config.path,
  };
  const aggregators = [0, 1].map(() => spawnTs(MAIN, ['run', 'aggregator'], env));
  const sinks = ['sink-a', 'sink-b'].map((name) => spawnTs(SINK, [name], env));
  const children: TsChild[] = [...aggregators, ...sinks];
  const output = () => children.map((c) => c.stderr()).join('\n');
  try {
    await waitFor(
      async () => {
        const held = await leaseHolders(redis, prefix);
        return aggregators.every((a) => held.get(a.child.pid!) === INSTRUMENTS.length / 2);
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `a 4/4 split of the leases on ${target.name}` },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output()}`);
    });
    await publishTicks(redis, prefix);
    const ticks = INSTRUMENTS.map((i) => keys.ticks(i));
    const bars = series((i, tf) => keys.bars(i, tf));
    const consumed = async (streams: string[], group: string) =>
      (await groupTotal(redis, streams, group, 'lag')) === 0 &&
      (await groupTotal(redis, streams, group, 'pending')) === 0;
    await waitFor(() => consumed(ticks, 'aggregator'), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `every tick aggregated on ${target.name}`,
    });
    await waitFor(() => consumed(bars, 'sink'), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `every bar stored on ${target.name}`,
    });
    // Both sinks read in the bar streams' group (who got which entries is up to Redis).
    const consumers = await Promise.all(
      bars.map(async (stream) => (await redis.xinfo('CONSUMERS', stream, 'sink')) as unknown[][]),
    );
    const names = new Set(consumers.flat().map((c) => String(c[c.indexOf('name') + 1])));
    expect([...names].sort()).toEqual(['sink-a', 'sink-b']);
    for (const child of children) child.child.kill('SIGTERM');
    const exits = await Promise.all(children.map((c) => c.exited));
    expect({ target: target.name, codes: exits.map((e) => e.code), stderr: output() }).toEqual({
      target: target.name,
      codes: [0, 0, 0, 0],
      stderr: output(),
    });
    expect(await redis.xlen(keys.dlq('aggregator'))).toBe(0);
    expect(await redis.xlen(keys.dlq('sink'))).toBe(0);

    let finals = 0;
    for (const [n, instrument] of INSTRUMENTS.entries()) {
      finals += await expectOfflineBars(redis, keys, instrument, trades[n]!);
    }
    const query = (i: InstrumentRef, timeframe: (typeof TIMEFRAMES)[number]) => ({
      venue: 'binance' as const,
      symbol: i.symbol,
      timeframe,
      from: FROM,
      to: TO,
    });
    return {
      streams: await Promise.all(series((i, tf) => readStreamRecords<Bar>(redis, keys.bars(i, tf)))),
      database: await Promise.all(series((i, tf) => queryBars(schema.db, query(i, tf)))),
      cache: await Promise.all(series((i, tf) => readCachedBars(cache.root, query(i, tf)))),
      finals,
      masters: await serversHolding(
        redis,
        INSTRUMENTS.map((i) => keys.ticks(i)),
      ),
    };
  } finally {
    for (const child of children) child.child.kill('SIGKILL');
    config.remove();
    cache.remove();
    await schema.drop();
    redis.disconnect();
    // The shared Redis holds the single run's keys, and any a misconfigured child wrote there instead of
    // the cluster (whose keys go with it in afterAll).
    const shared = testRedisClient();
    await deleteKeysWithPrefix(shared, prefix).finally(() => shared.disconnect());
  }
}

/** The latest revision of each bar, in start order: what the stores keep of a bar stream. */
function latestRevisions(bars: readonly Bar[]): Bar[] {
  const byStart = new Map<number, Bar>();
  for (const bar of bars) {
    const kept = byStart.get(bar.start);
    if (!kept || bar.revision >= kept.revision) byStart.set(bar.start, bar);
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

test('two aggregators and two sinks on a 3-master Redis Cluster store the same bars as on one Redis', async () => {
  const started = Date.now();
  const single = await runOn({
    name: 'single Redis',
    env: { REDIS_URL: redisUrl() },
    client: () => testRedisClient(),
  });
  const clustered = await runOn({
    name: 'Redis Cluster',
    env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') },
    client: () =>
      createRedis({
        clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        name: 'tickline-test',
      }),
  });

  const stored = single.database.reduce((n, bars) => n + bars.length, 0);
  console.log(
    `scale-out: ${INSTRUMENTS.length * TRADES_PER_INSTRUMENT} ticks of ${INSTRUMENTS.length} instruments, ` +
      `${single.finals} final bars and revisions on the streams, ${stored} bars stored, per run; ` +
      `both runs in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  // The instruments' slots are spread over the masters: the work really crossed nodes.
  expect(single.masters).toBe(1);
  expect(clustered.masters).toBe(3);
  expect(single.finals).toBeGreaterThan(1000);
  expect(clustered.finals).toBe(single.finals);
  for (const [k, bars] of single.streams.entries()) {
    expectSameBars(clustered.streams[k]!, bars);
    const stored = latestRevisions(bars);
    expect(stored.length).toBeGreaterThan(0);
    expectSameBars(single.database[k]!, stored);
    expectSameBars(single.cache[k]!, stored);
    expectSameBars(clustered.database[k]!, stored);
    expectSameBars(clustered.cache[k]!, stored);
  }
});
