import { readStreamRecords, streamKeys } from '@tickline/bus';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import { BinanceFeed, BinanceMockServer, readBinanceRecording, type RecordedFrame } from '@tickline/venues';
import { join } from 'node:path';
import { Ingestor, type IngestClock } from '../src';
import { noMetrics, quiet } from './support/silent';

const SESSION = join(
  __dirname,
  '../../../packages/venues/data/binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
);
const SLICE = 3000;

async function* slice(frames: AsyncIterable<RecordedFrame>, count: number) {
  let n = 0;
  for await (const frame of frames) {
    if (n++ >= count) return;
    yield frame;
  }
}

/** Replays the first SLICE frames of the bundled ETHUSDT session through a fresh mock and ingestor. */
async function replayOnce(ctx: RedisTestContext, clock: IngestClock): Promise<unknown[]> {
  const mock = await BinanceMockServer.start();
  const feed = new BinanceFeed({ wsUrl: mock.url, symbols: ['ETHUSDT'], quotes: false });
  const keys = streamKeys(ctx.prefix);
  const ingestor = new Ingestor({
    feeds: [feed],
    redis: testRedisClient(),
    keys,
    metrics: noMetrics,
    logger: quiet,
    clock,
  });
  try {
    await ingestor.start();
    await mock.replay(slice(readBinanceRecording(SESSION), SLICE), { speed: 'max' });
    await waitFor(() => ingestor.counts.trades === SLICE, { what: `${SLICE} trades` });
    await ingestor.publisher.flush();
    return await readStreamRecords(ctx.redis, keys.ticks({ venue: 'binance', symbol: 'ETHUSDT' }));
  } finally {
    await ingestor.stop();
    await mock.close();
  }
}

describe('replay of a recorded session', () => {
  const contexts: RedisTestContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.cleanup()));
  });
  const fresh = () => {
    const ctx = redisTestContext('tlreplay');
    contexts.push(ctx);
    return ctx;
  };

  it("gives identical tick streams twice with clock 'event'", async () => {
    const first = await replayOnce(fresh(), 'event');
    const second = await replayOnce(fresh(), 'event');
    expect(first).toHaveLength(SLICE);
    expect(second).toEqual(first);
    expect(first[0]).toMatchObject({ venue: 'binance', symbol: 'ETHUSDT', id: '1520538925' });
  }, 30_000);

  it("keeps our receive time with clock 'wall' (so two runs differ)", async () => {
    const ticks = (await replayOnce(fresh(), 'wall')) as Array<{ ts: number; recvTs: number }>;
    expect(ticks).toHaveLength(SLICE);
    expect(ticks.every((t) => t.recvTs > t.ts + 86_400_000)).toBe(true);
  }, 30_000);
});
