import { testRedisClient, waitFor } from '@tickline/testkit';
import type Redis from 'ioredis';
import { createClient, type BarEvent, type ClientOptions } from '../src';
import {
  BarProducer,
  barKey,
  barSeries,
  barView,
  gather,
  INSTRUMENT,
  sinkDrained,
  startSink,
  STEP,
  T0,
  type StoreWrite,
} from './clientHarness';

export interface SeamOutcome {
  readonly events: BarEvent[];
  readonly expected: ReturnType<typeof barView>[];
  readonly fromHistory: number;
}

/**
 * History already stored (300 bars, sink drained), then a producer keeps publishing 900 more while a lagging
 * sink stores them and a client subscribes from bar 100: what the client received, and what it should have.
 */
export async function runSeamScenario(
  prefix: string,
  write: StoreWrite,
  client: Omit<ClientOptions, 'prefix'>,
): Promise<SeamOutcome> {
  const redis: Redis = testRedisClient();
  const key = barKey(prefix);
  const bars = barSeries(1200);
  const producer = new BarProducer(redis, key);
  const sink = await startSink(key, write);
  const tickline = createClient({ ...client, prefix, blockMs: 200 });
  try {
    await producer.publish(bars.slice(0, 300));
    await sinkDrained(redis, key);
    const producing = producer.trickle(bars.slice(300));
    await waitFor(() => producer.produced >= 500, { what: '500 bars produced' });
    const received = gather(tickline.bars(INSTRUMENT, '1m', { from: T0 + 100 * STEP }));
    await producing;
    const last = bars[bars.length - 1]!.start;
    await waitFor(() => received.values.some((e) => e.bar.start === last), {
      timeoutMs: 20_000,
      what: 'the last produced bar at the client',
    });
    await sinkDrained(redis, key);
    await new Promise((resolve) => setTimeout(resolve, 400)); // two XREAD blocks: a repeat would show up
    const events = received.stop();
    if (received.errors.length > 0) throw received.errors[0];
    return {
      events,
      expected: bars.slice(100).map(barView),
      fromHistory: events.filter((e) => e.origin === 'history').length,
    };
  } finally {
    await tickline.close();
    await sink.stop();
    await producer.close();
    redis.disconnect();
  }
}
