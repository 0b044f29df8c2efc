import { waitFor, type RedisTestContext } from '@tickline/testkit';
import { createClient, type BarEvent, type TicklineClient } from '../src';
import {
  useBarFixture,
  type BarProducer,
  barKey,
  barSeries,
  gather,
  INSTRUMENT,
  sinkDrained,
  T0,
  tailing,
} from './clientHarness';

const fixture = useBarFixture();
let context: RedisTestContext;
let producer: BarProducer;
let client: TicklineClient;

beforeEach(() => {
  ({ context, producer } = fixture.current());
  const cacheDir = fixture.current().cache.root;
  client = createClient({ prefix: context.prefix, cacheDir, blockMs: 200, redis: { name: context.prefix } });
});
afterEach(() => client.close());

const view = (e: BarEvent) => `${e.origin} ${e.kind} ${(e.bar.start - T0) / 60_000} r${e.bar.revision}`;

describe('bars() revisions and partial updates', () => {
  it('delivers a revision as an update of the same bar key and partials only when asked', async () => {
    const bars = barSeries(12);
    await producer.publish(bars.slice(0, 10));
    await producer.publish([{ ...bars[3]!, revision: 1, close: 99 }]);
    await sinkDrained(context.redis, barKey(context.prefix));

    const withPartials = gather(client.bars(INSTRUMENT, '1m', { from: T0, partial: true }));
    const finalsOnly = gather(client.bars(INSTRUMENT, '1m', { from: new Date(T0 + 5 * 60_000) }));
    await waitFor(() => withPartials.values.length === 10 && finalsOnly.values.length === 5);

    const open = { ...bars[10]!, final: false };
    await producer.publish([{ ...open, close: 101 }, { ...open, close: 102 }, bars[10]!]);
    await producer.publish([{ ...bars[7]!, revision: 1, close: 98 }]);
    // what the stitcher must drop: a repeat, a partial after its final, a version outranked by one delivered
    await producer.publish([{ ...bars[7]!, revision: 1, close: 98 }, open, bars[3]!]);
    await producer.publish([bars[11]!]);
    await waitFor(() => withPartials.values.some((e) => e.bar.start === bars[11]!.start && e.bar.final));
    await waitFor(() => finalsOnly.values.some((e) => e.bar.start === bars[11]!.start));
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(withPartials.stop().map(view)).toEqual([
      ...[0, 1, 2].map((i) => `history bar ${i} r0`),
      'history bar 3 r1',
      ...[4, 5, 6, 7, 8, 9].map((i) => `history bar ${i} r0`),
      'live partial 10 r0',
      'live partial 10 r0',
      'live bar 10 r0',
      'live revision 7 r1',
      'live bar 11 r0',
    ]);
    expect(withPartials.values.find((e) => e.kind === 'revision')?.bar.close).toBe(98);
    expect(withPartials.values.filter((e) => e.kind === 'partial').map((e) => e.bar.close)).toEqual([
      101, 102,
    ]);
    expect(finalsOnly.stop().map(view)).toEqual([
      ...[5, 6, 7, 8, 9].map((i) => `history bar ${i} r0`),
      'live bar 10 r0',
      'live revision 7 r1',
      'live bar 11 r0',
    ]);
  });

  it('without `from` delivers only bars published after the subscription', async () => {
    const bars = barSeries(6);
    await producer.publish(bars.slice(0, 3));
    const live = gather(client.bars(INSTRUMENT, '1m'));
    await tailing(context.redis, context.prefix); // so the subscription has noted the stream's end
    await producer.publish(bars.slice(3));
    await waitFor(() => live.values.length === 3);
    expect(live.stop().map(view)).toEqual(['live bar 3 r0', 'live bar 4 r0', 'live bar 5 r0']);
  });

  it('takes history from the retained stream when asked, and skips records that are not its bars', async () => {
    const bars = barSeries(4);
    await producer.publish(bars.slice(0, 2));
    await producer.publish([{ ...bars[2]!, symbol: 'ETHUSDT' }, { nonsense: true }, bars[2]!]);
    const logger = {
      lines: [] as string[],
      warn: (m: string) => void logger.lines.push(m),
      error: () => undefined,
    };
    const own = createClient({ prefix: context.prefix, blockMs: 200, logger });
    try {
      const received = gather(own.bars(INSTRUMENT, '1m', { from: T0 + 60_000, source: 'stream' }));
      await producer.publish([bars[3]!]);
      await waitFor(() => received.values.length === 3);
      expect(received.stop().map(view)).toEqual(['live bar 1 r0', 'live bar 2 r0', 'live bar 3 r0']);
      expect(logger.lines.filter((line) => line === 'client: bar record skipped')).toHaveLength(2);
    } finally {
      await own.close();
    }
  });
});
