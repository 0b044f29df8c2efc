import { StreamConsumer, StreamPublisher, streamKeys, type BusLogger } from '@tickline/bus';
import type { Bar } from '@tickline/core';
import { upsertBars, writeCachedBars, type Database } from '@tickline/storage';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import type Redis from 'ioredis';
import type { Observable } from 'rxjs';
import { series } from '../../storage/test/bars';
import { tempRoot } from '../../storage/test/tempRoot';

export const T0 = Date.UTC(2024, 0, 1);
export const STEP = 60_000;
export const INSTRUMENT = 'binance:BTCUSDT';
export const BTC = { venue: 'binance', symbol: 'BTCUSDT' } as const;

/** `count` final 1m bars of BTCUSDT from T0, prices varying (storage's test series). */
export function barSeries(count: number): Bar[] {
  return series(count, { from: T0, stepMs: STEP });
}

export const barKey = (prefix: string) => streamKeys(prefix).bars(BTC, '1m');

/** Writes bars where a sink would: the file cache or the database. */
export type StoreWrite = (bars: Bar[]) => Promise<unknown>;
export const cacheWrite =
  (root: string): StoreWrite =>
  (bars) =>
    writeCachedBars(root, bars);
export const databaseWrite =
  (db: Database): StoreWrite =>
  (bars) =>
    upsertBars(db, bars);

/** Publishes bars on the bar stream as the aggregator does (bus publisher: batched v/n/d entries, ids in order). */
export class BarProducer {
  readonly publisher: StreamPublisher;
  produced = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {
    this.publisher = new StreamPublisher(redis, {
      maxRecordsPerEntry: 5,
      lingerMs: 1,
      closeConnection: false,
    });
  }

  async publish(bars: readonly unknown[]): Promise<void> {
    await this.publisher.publishMany(this.key, bars);
    await this.publisher.flush();
    this.produced += bars.length;
  }

  /** Publishes `bars` a few at a time with pauses, as a live aggregator would while a client subscribes. */
  async trickle(bars: readonly Bar[], chunk = 7, pauseMs = 3): Promise<void> {
    for (let i = 0; i < bars.length; i += chunk) {
      await this.publish(bars.slice(i, i + chunk));
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}

/** A stand-in for the sink: group `sink` on the bar stream, each batch stored (slowly) before it is acked. */
export async function startSink(
  key: string,
  write: StoreWrite,
  delayMs = 10,
  url?: string,
): Promise<{ consumer: StreamConsumer; stop(): Promise<void> }> {
  const redis = testRedisClient(url);
  const consumer = new StreamConsumer({
    redis,
    streams: [key],
    group: 'sink',
    consumer: 'sink-1',
    deadLetterKey: `${key}:dlq`,
    count: 20,
    blockMs: 200,
    handler: async (entries) => {
      await write(entries.flatMap((entry) => entry.records as Bar[]));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
  });
  await consumer.start();
  return {
    consumer,
    stop: async () => {
      await consumer.stop();
      redis.disconnect();
    },
  };
}

/** Waits until group `sink` has acknowledged every entry of the stream. */
export async function sinkDrained(redis: Redis, key: string): Promise<void> {
  await waitFor(
    async () => {
      const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
      const sink = groups.find((g) => g[g.indexOf('name') + 1] === 'sink');
      return !!sink && sink[sink.indexOf('pending') + 1] === 0 && sink[sink.indexOf('lag') + 1] === 0;
    },
    { timeoutMs: 20_000, what: 'the sink group to drain' },
  );
}

/** Subscribes and gathers what arrives; `stop()` unsubscribes and returns it all. */
export function gather<T>(observable: Observable<T>): { values: T[]; errors: unknown[]; stop(): T[] } {
  const values: T[] = [];
  const errors: unknown[] = [];
  const subscription = observable.subscribe({ next: (v) => values.push(v), error: (e) => errors.push(e) });
  return {
    values,
    errors,
    stop: () => {
      subscription.unsubscribe();
      return values;
    },
  };
}

/** A logger that keeps its lines, so a test can see that a fault was met and survived. */
export function capturingLogger(): BusLogger & { lines: string[]; details: unknown[] } {
  const lines: string[] = [];
  const details: unknown[] = [];
  const log = (message: string, detail?: unknown) => void (lines.push(message), details.push(detail));
  return { lines, details, warn: log, error: log };
}

/** The identity and content a subscriber compares: start, revision, final and the prices. */
export const barView = (b: Bar) => ({
  start: b.start,
  revision: b.revision,
  final: b.final,
  ohlc: [b.open, b.high, b.low, b.close],
  volume: b.volume,
});

/** Per test: a Redis prefix, a cache dir, a producer on the BTCUSDT 1m stream and a sink storing into the cache. */
export interface BarFixture {
  readonly context: RedisTestContext;
  readonly cache: ReturnType<typeof tempRoot>;
  readonly key: string;
  readonly producer: BarProducer;
  readonly sink: Awaited<ReturnType<typeof startSink>>;
}

/** Registers a fresh BarFixture around each test of the file; read `current()` inside tests. */
export function useBarFixture(): { current(): BarFixture } {
  let fixture: BarFixture | undefined;
  beforeEach(async () => {
    const context = redisTestContext('tlclient');
    const cache = tempRoot();
    const key = barKey(context.prefix);
    const producer = new BarProducer(context.redis, key);
    fixture = { context, cache, key, producer, sink: await startSink(key, cacheWrite(cache.root), 0) };
  });
  afterEach(async () => {
    if (!fixture) return;
    await fixture.sink.stop();
    await fixture.producer.close();
    await fixture.context.cleanup();
    fixture.cache.remove();
  });
  return {
    current() {
      if (!fixture) throw new Error('useBarFixture: only inside tests');
      return fixture;
    },
  };
}

/** Waits until a connection named `name` blocks in XREAD: a subscription has noted where the stream ended. */
export async function tailing(redis: Redis, name: string): Promise<void> {
  const blocked = async () =>
    String(await redis.client('LIST'))
      .split('\n')
      .some((line) => line.includes(`name=${name} `) && line.includes('cmd=xread'));
  await waitFor(blocked, { what: `connection ${name} in XREAD` });
}
