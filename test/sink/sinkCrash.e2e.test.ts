import { join } from 'node:path';
import type { Bar, Timeframe } from '@tickline/core';
import { queryBars, readCachedBars, verifyCache } from '@tickline/storage';
import { redisUrl, spawnTs, waitFor, type TsChild } from '@tickline/testkit';
import { barSeries, expectSameBars, publishBars, useSinkStores, sinkEnv } from './sinkHarness';

// The sink as a real process (`tickline run sink`), killed with SIGKILL five times while 500,000 bars
// flow; afterwards both stores hold every bar exactly once, equal to the input (what an uninterrupted
// run stores, since the sink writes each input bar as it is).
// About 40 s on this 2-core machine under a load average of ~15; the limits leave room for worse.
jest.setTimeout(240_000);

const MAIN = join(__dirname, '..', '..', 'packages', 'cli', 'src', 'main.ts');
const SERIES: [string, Timeframe, number][] = [
  ['BTCUSDT', '1m', 200_000],
  ['ETHUSDT', '1m', 200_000],
  ['BTCUSDT', '5m', 50_000],
  ['ETHUSDT', '5m', 50_000],
];

const stores = useSinkStores('tlsinkcrash');

let running: TsChild | undefined;
// A failed run must not leave its sink process behind (it would also keep jest from exiting).
afterAll(() => void running?.child.kill('SIGKILL'));

function startSink(): TsChild {
  return (running = spawnTs(MAIN, ['run', 'sink'], {
    REDIS_URL: redisUrl(),
    ...sinkEnv(
      { prefix: stores.ctx.prefix, cacheDir: stores.cache.root, databaseUrl: stores.schema.url },
      'warn',
    ),
  }));
}

/**
 * Publishes the `part`-th of `parts` consecutive stretches of every series, interleaved across series,
 * 250 bars an entry, paced like a live feed (in time order, as live bars come).
 */
async function publishPart(series: Bar[][], part: number, parts: number): Promise<void> {
  const chunk = 250;
  const rounds = Math.max(...series.map((bars) => Math.ceil(bars.length / chunk)));
  const [first, end] = [Math.floor((part * rounds) / parts), Math.floor(((part + 1) * rounds) / parts)];
  for (let round = first; round < end; round++) {
    for (const bars of series) {
      const slice = bars.slice(round * chunk, (round + 1) * chunk);
      if (slice.length > 0) await publishBars(stores.ctx.redis, stores.ctx.prefix, slice, chunk);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function entriesRead(): Promise<number> {
  let total = 0;
  for (const [symbol, tf] of SERIES) {
    const key = `${stores.ctx.prefix}:bars:{binance:${symbol}}:${tf}`;
    // No stream and no group before the first sink started.
    const groups = (await stores.ctx.redis.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
    const group = groups[0] ?? [];
    total += Number(group[group.indexOf('entries-read') + 1] ?? 0);
  }
  return total;
}

async function pendingCount(): Promise<number> {
  let total = 0;
  for (const [symbol, tf] of SERIES) {
    // No stream and no group before the first sink started.
    const [count] = (await stores.ctx.redis
      .xpending(`${stores.ctx.prefix}:bars:{binance:${symbol}}:${tf}`, 'sink')
      .catch(() => [0])) as [number];
    total += count;
  }
  return total;
}

async function drained(): Promise<boolean> {
  for (const [symbol, tf] of SERIES) {
    const key = `${stores.ctx.prefix}:bars:{binance:${symbol}}:${tf}`;
    const groups = (await stores.ctx.redis.xinfo('GROUPS', key)) as unknown[][];
    const group = groups[0] ?? [];
    const field = (name: string) => group[group.indexOf(name) + 1];
    if (field('pending') !== 0 || field('lag') !== 0) return false;
  }
  return true;
}

test('SIGKILLed five times mid-batch, the sink leaves every bar exactly once in both stores', async () => {
  const started = Date.now();
  const series = SERIES.map(([symbol, tf, count]) => barSeries(symbol, tf, count));
  let sink = startSink();
  let killedWithBatchInFlight = 0;
  let publishing = Promise.resolve();
  for (let kill = 0; kill < 5; kill++) {
    // Bars keep flowing: a sixth of every series while each sink process lives (publishing a part at a
    // time keeps the test fast whatever the start-up time of a process).
    publishing = publishing.then(() => publishPart(series, kill, 6));
    // Kill only once this process is consuming (re-reading its predecessor's pending entries, or new
    // ones: the group moved on), a moment later.
    const [read, pending] = [await entriesRead(), await pendingCount()];
    const consuming = async () => (await entriesRead()) > read || (await pendingCount()) < pending;
    await waitFor(consuming, { timeoutMs: 20_000, intervalMs: 10 }).catch(async (error: unknown) => {
      throw new Error(
        `kill ${kill}: ${String(error)}; pending ${await pendingCount()}\n${sink.stdout().slice(-3000)}\n${sink.stderr().slice(-3000)}`,
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
    sink.child.kill('SIGKILL');
    await sink.exited;
    if ((await pendingCount()) > 0) killedWithBatchInFlight++;
    sink = startSink();
  }
  await publishing.then(() => publishPart(series, 5, 6));
  await waitFor(drained, { timeoutMs: 150_000, intervalMs: 200 });
  console.log(
    `sink crash test: ${SERIES.reduce((n, [, , count]) => n + count, 0)} bars drained after ${Date.now() - started} ms`,
  );
  sink.child.kill('SIGTERM');
  expect((await sink.exited).code).toBe(0);

  for (const [i, [symbol, timeframe]] of SERIES.entries()) {
    const query = { venue: 'binance', symbol, timeframe, from: 0, to: Date.UTC(2030, 0, 1) } as const;
    expectSameBars(await queryBars(stores.schema.db, query), series[i]!);
    expectSameBars(await readCachedBars(stores.cache.root, query), series[i]!);
  }
  const report = await verifyCache(stores.cache.root);
  const problems = report.bad.flatMap((f) => f.problems).filter((p) => p.code !== 'stray_temp_file');
  expect(problems).toEqual([]);
  expect(await stores.ctx.redis.xlen(`${stores.ctx.prefix}:dlq:sink`)).toBe(0);
  expect(killedWithBatchInFlight).toBeGreaterThanOrEqual(3); // most kills hit a batch between read and ack
});
