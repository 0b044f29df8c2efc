import { StreamPublisher, streamKeys } from '@tickline/bus';
import type { Trade } from '@tickline/core';
import { redisTestContext, waitFor, type RedisTestContext } from '@tickline/testkit';
import { createClient, type TicklineClient } from '../src';
import { capturingLogger, gather, tailing } from './clientHarness';

let context: RedisTestContext;
let publisher: StreamPublisher;
let client: TicklineClient;
let logger: ReturnType<typeof capturingLogger>;
let key: string;

beforeEach(() => {
  context = redisTestContext('tlclient');
  key = streamKeys(context.prefix).ticks({ venue: 'binance', symbol: 'BTCUSDT' });
  publisher = new StreamPublisher(context.redis, { maxRecordsPerEntry: 4, closeConnection: false });
  logger = capturingLogger();
  client = createClient({ prefix: context.prefix, blockMs: 200, logger, redis: { name: context.prefix } });
});
afterEach(async () => {
  await client.close();
  await publisher.close();
  await context.cleanup();
});

const trade = (i: number): Trade => ({
  venue: 'binance',
  symbol: 'BTCUSDT',
  ts: 1_723_160_000_000 + i,
  recvTs: 1_723_160_000_005 + i,
  price: 60_000 + i,
  size: 0.01,
  side: i % 2 ? 'buy' : 'sell',
  id: String(i),
});

async function publish(records: readonly unknown[]): Promise<void> {
  await publisher.publishMany(key, records);
  await publisher.flush();
}

describe('ticks()', () => {
  it('delivers the trades published after the subscription, in order, and skips invalid records', async () => {
    await publish([0, 1, 2].map(trade));
    const received = gather(client.ticks('binance:BTCUSDT'));
    await tailing(context.redis, context.prefix);
    await publish([...[3, 4, 5].map(trade), { id: 'not a trade' }, ...[6, 7, 8, 9].map(trade)]);
    await waitFor(() => received.values.length === 7);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.stop().map((t) => t.id)).toEqual(['3', '4', '5', '6', '7', '8', '9']);
    expect(received.values[0]).toEqual(trade(3));
    expect(logger.lines).toContain('client: trade record skipped');
  });

  it('starts after a given entry id when asked', async () => {
    await publish([trade(0)]);
    await publish([trade(1)]); // its own entry
    const [, second] = await context.redis.xrange(key, '-', '+');
    await publish([2, 3].map(trade));
    const received = gather(client.ticks({ venue: 'binance', symbol: 'BTCUSDT' }, { afterId: second![0] }));
    await waitFor(() => received.values.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.stop().map((t) => t.id)).toEqual(['2', '3']);
  });
});
