// The official SDK's market-data stream client against our mock: it asks for msgpack
// (`Content-Type: application/msgpack`), authenticates with `{"action":"auth",..}` encoded as msgpack,
// subscribes, and decodes trades and quotes (timestamps as msgpack timestamps with nanoseconds).
import { Alpaca } from '@alpacahq/alpaca-trade-api';
import { quoteItem, tradeItem } from '../src/alpaca/alpacaFrames';
import { AlpacaMockServer } from '../src/alpaca/mockServer';
import { KEY, until } from './support/alpacaHarness';

type Stream = ReturnType<Alpaca['marketData']['stockStream']>;

describe('official @alpacahq/alpaca-trade-api stream client against the Alpaca mock', () => {
  let mock: AlpacaMockServer;
  const streams: Stream[] = [];
  beforeEach(async () => {
    mock = await AlpacaMockServer.start();
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.disconnect();
    await mock.close();
  });

  const open = (keyId: string, secret: string): Stream => {
    const alpaca = new Alpaca({ keyId, secret });
    const stream = alpaca.marketData.stockStream({
      feed: 'iex',
      url: `${mock.url}/v2/iex`,
      reconnect: false,
      pingIntervalMs: 0,
    });
    streams.push(stream);
    return stream;
  };

  it('connects, authenticates, subscribes and receives trades and quotes with the right values', async () => {
    const stream = open(KEY.keyId, KEY.secretKey);
    const trades: Array<Record<string, unknown>> = [];
    const quotes: Array<Record<string, unknown>> = [];
    const subscriptions: unknown[] = [];
    stream.onTrade((t) => trades.push(t as unknown as Record<string, unknown>));
    stream.onQuote((q) => quotes.push(q as unknown as Record<string, unknown>));
    stream.on('subscription', (s: unknown) => subscriptions.push(s));
    stream.onConnect(() => {
      stream.subscribeForTrades(['AAPL']);
      stream.subscribeForQuotes(['AAPL']);
    });
    stream.connect();
    const auth = await stream.whenAuthenticated();
    expect(auth.authenticated).toBe(true);
    await mock.waitForSubscription('quotes', 'AAPL');
    expect(mock.connections[0]?.codec).toBe('msgpack');
    expect(mock.connections[0]?.received[0]).toEqual({
      action: 'auth',
      key: KEY.keyId,
      secret: KEY.secretKey,
    });

    mock.publishItems([
      tradeItem({
        symbol: 'AAPL',
        id: 52983525029461,
        price: 187.43,
        size: 100,
        time: '2024-03-12T14:30:00.123456789Z',
        conditions: ['@', 'F'],
        tape: 'C',
        exchange: 'V',
      }),
      quoteItem({
        symbol: 'AAPL',
        bid: 187.42,
        bidSize: 3,
        ask: 187.44,
        askSize: 5,
        time: '2024-03-12T14:30:00.200000001Z',
      }),
      tradeItem({ symbol: 'MSFT', id: 1, price: 400, size: 1, time: '2024-03-12T14:30:00Z' }),
    ]);
    await until(() => trades.length === 1 && quotes.length === 1, 'one trade and one quote');
    expect(trades[0]).toMatchObject({
      symbol: 'AAPL',
      id: 52983525029461,
      exchange: 'V',
      price: 187.43,
      size: 100,
      conditions: ['@', 'F'],
      tape: 'C',
      timestampRaw: '2024-03-12T14:30:00.123456789Z',
    });
    expect((trades[0]?.timestamp as Date).toISOString()).toBe('2024-03-12T14:30:00.123Z');
    expect(quotes[0]).toMatchObject({
      symbol: 'AAPL',
      bidPrice: 187.42,
      bidSize: 3,
      askPrice: 187.44,
      askSize: 5,
    });
    expect(quotes[0]?.timestampRaw).toBe('2024-03-12T14:30:00.200000001Z');
    expect(subscriptions.length).toBeGreaterThan(0);
  });

  it('gets the real auth failure for a wrong key', async () => {
    const stream = open('wrong-key', 'wrong-secret');
    stream.connect();
    const auth = await stream.whenAuthenticated();
    expect(auth).toMatchObject({ authenticated: false, code: 402 });
    expect(mock.stats.authFailures).toBe(1);
  });
});
