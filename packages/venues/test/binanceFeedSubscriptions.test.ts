import { BinanceMockServer } from '../src/binance/mockServer';
import { publishTrades, range, startFeed, until, useBinanceMock } from './support/binanceHarness';

const t = useBinanceMock();

const streamsOf = () => t.mock.openConnections.map((c) => [...c.streams].sort());

describe('BinanceFeed subscriptions on live connections', () => {
  it('subscribes and unsubscribes on the same connection when the instruments change', async () => {
    t.h = startFeed(t.mock);
    await t.mock.waitForSubscription('btcusdt@trade');
    t.h.feed.setSymbols(['BTCUSDT', 'ETHUSDT']);
    await t.mock.waitForSubscription('ethusdt@trade');
    publishTrades(t.mock, 1, 5, 'ETHUSDT');
    await until(() => t.h.trades().length === 5, 'ETH trades');

    t.h.feed.setSymbols(['ETHUSDT']);
    await until(() => JSON.stringify(streamsOf()) === '[["ethusdt@trade"]]', 'BTC unsubscribed');
    expect(t.mock.connections).toHaveLength(1);
    expect(t.mock.connections[0]!.controlMessages).toBe(2);
    expect(publishTrades(t.mock, 1, 1)).toBeUndefined();
    publishTrades(t.mock, 6, 6, 'ETHUSDT');
    await until(() => t.h.trades().length === 6, 'more ETH');
    expect(t.h.trades().every((x) => x.symbol === 'ETHUSDT')).toBe(true);
  });

  it('coalesces a burst of changes and stays under the 5 messages/s limit', async () => {
    t.h = startFeed(t.mock);
    await t.mock.waitForSubscription('btcusdt@trade');
    const all = ['ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT'];
    for (let i = 1; i <= all.length; i++) t.h.feed.setSymbols(['BTCUSDT', ...all.slice(0, i)]);
    t.h.feed.setSymbols(['BTCUSDT', 'DOGEUSDT']);
    await until(
      () => JSON.stringify(streamsOf()) === '[["btcusdt@trade","dogeusdt@trade"]]',
      'the final set',
    );
    expect(t.mock.stats.rateLimitCloses).toBe(0);
    expect(t.mock.connections).toHaveLength(1);
    expect(t.mock.connections[0]!.controlMessages).toBeLessThanOrEqual(3);
  });

  it('reports a venue error reply with the request it answers', async () => {
    t.mock = await (async () => {
      await t.mock.close();
      return BinanceMockServer.start({ maxStreamsPerConnection: 1 });
    })();
    t.h = startFeed(t.mock, { maxStreamsPerConnection: 2 });
    await t.mock.waitForSubscription('btcusdt@trade');
    t.h.feed.setSymbols(['BTCUSDT', 'ETHUSDT']);
    await until(() => t.h.of('venueError').length === 1, 'the error reply');
    expect(t.h.of('venueError')[0]).toMatchObject({
      code: 4,
      message: 'Too many subscriptions (SUBSCRIBE ethusdt@trade)',
    });
  });
});

describe('BinanceFeed sharding', () => {
  it('spreads streams over connections at the per-connection limit and merges back', async () => {
    t.h = startFeed(t.mock, {
      symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'],
      quotes: true,
      maxStreamsPerConnection: 2,
    });
    await until(
      () => t.mock.openConnections.filter((c) => c.streams.length > 0).length === 3,
      'three connections',
    );
    expect(streamsOf().flat().sort()).toEqual([
      'bnbusdt@bookTicker',
      'bnbusdt@trade',
      'btcusdt@bookTicker',
      'btcusdt@trade',
      'ethusdt@bookTicker',
      'ethusdt@trade',
    ]);
    expect(streamsOf().every((s) => s.length === 2)).toBe(true);
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']) publishTrades(t.mock, 1, 3, symbol);
    await until(() => t.h.trades().length === 9, 'trades of all shards');

    t.h.feed.setSymbols(['BTCUSDT']);
    await until(() => t.mock.openConnections.length === 1, 'the other shards closed');
    expect(t.h.feed.shardCount).toBe(1);
    expect(t.h.of('disconnected').every((e) => !e.unexpected)).toBe(true);
    expect(t.h.gaps()).toEqual([]);
  });
});

describe('BinanceFeed rotation before the 24 h cut-off', () => {
  it('overlaps two connections and de-duplicates their trades by id', async () => {
    t.h = startFeed(t.mock, { rotateAfterMs: 100, rotationOverlapMs: 60_000 });
    await t.mock.waitForSubscription('btcusdt@trade', 2);
    publishTrades(t.mock, 1, 20);
    await until(() => t.h.feed.stats().duplicates === 20, 'both copies seen');
    expect(t.h.trades().map((t) => t.id)).toEqual(range(1, 20));
    expect(t.h.of('connected').map((e) => e.connection)).toEqual(['binance#1.1', 'binance#1.2']);
  });

  it('closes the old connection after the overlap without reporting a gap', async () => {
    t.h = startFeed(t.mock, { rotateAfterMs: 150, rotationOverlapMs: 30 });
    await until(() => t.mock.connections.length >= 2 && !t.mock.connections[0]!.open, 'the rotation');
    await t.mock.waitForSubscription('btcusdt@trade');
    publishTrades(t.mock, 1, 10);
    await until(() => t.h.trades().length === 10, 'trades on the successor');
    const closes = t.h.of('disconnected');
    expect(closes.length).toBeGreaterThanOrEqual(1);
    expect(closes.every((e) => !e.unexpected)).toBe(true);
    expect(t.h.gaps()).toEqual([]);
  });

  it('rotates at once on serverShutdown', async () => {
    t.h = startFeed(t.mock, { rotationOverlapMs: 30 });
    await t.mock.waitForSubscription('btcusdt@trade');
    t.mock.sendServerShutdown();
    await until(
      () => t.mock.connections.length === 2 && !t.mock.connections[0]!.open,
      'the shutdown rotation',
    );
    expect(t.h.of('venueError')[0]!.message).toMatch(/serverShutdown/);
    expect(t.h.gaps()).toEqual([]);
  });
});
