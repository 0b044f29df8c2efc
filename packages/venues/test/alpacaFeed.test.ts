// AlpacaFeed against the Alpaca mock: handshake, data, every error policy, gaps. Millisecond waits,
// no timing assertions: retry policies are asserted on counts and on the scheduled delays.
import { tradeItem, quoteItem } from '../src/alpaca/alpacaFrames';
import { resolveAlpacaFeedOptions } from '../src/alpaca/alpacaFeedOptions';
import { AlpacaMockServer } from '../src/alpaca/mockServer';
import { KEY, startAlpacaFeed, until, type AlpacaHarness } from './support/alpacaHarness';

const T0 = '2024-03-12T14:30:00.000000000Z';
const trade = (symbol: string, id: number) =>
  tradeItem({ symbol, id, price: 187.5, size: 10, time: T0, conditions: ['@', 'I'], tape: 'C' });
const bar = {
  T: 'b',
  S: 'AAPL',
  o: 187,
  h: 188,
  l: 186.5,
  c: 187.5,
  v: 1200,
  t: '2024-03-12T14:29:00Z',
  n: 40,
  vw: 187.3,
};

describe('AlpacaFeed against the Alpaca mock', () => {
  let mock: AlpacaMockServer;
  const harnesses: AlpacaHarness[] = [];
  const start = (...args: Parameters<typeof startAlpacaFeed> extends [unknown, ...infer R] ? R : never) => {
    const h = startAlpacaFeed(mock, ...args);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.feed.stop()));
    await mock.close();
  });

  it('connects, authenticates, subscribes and delivers trades, quotes and venue bars', async () => {
    mock = await AlpacaMockServer.start();
    const h = start();
    await mock.waitForSubscription('bars', 'MSFT');
    expect(mock.connections[0]?.path).toBe('/v2/iex');
    expect(mock.connections[0]?.received).toEqual([
      { action: 'auth', ...{ key: KEY.keyId, secret: KEY.secretKey } },
      { action: 'subscribe', trades: ['AAPL', 'MSFT'], quotes: ['AAPL', 'MSFT'], bars: ['AAPL', 'MSFT'] },
    ]);
    mock.publishItems([
      trade('AAPL', 1),
      quoteItem({ symbol: 'MSFT', bid: 400.1, bidSize: 2, ask: 400.2, askSize: 3, time: T0 }),
      bar,
    ]);
    await until(() => h.of('venueBar').length === 1, 'the batch');
    expect(h.of('trade')[0]?.trade).toMatchObject({
      symbol: 'AAPL',
      id: '1',
      conditions: ['@', 'I'],
      tape: 'C',
      ts: Date.parse(T0),
    });
    expect(h.of('quote')[0]?.quote).toMatchObject({ symbol: 'MSFT', bidPrice: 400.1, askSize: 3 });
    expect(h.of('venueBar')[0]?.bar).toMatchObject({
      symbol: 'AAPL',
      start: Date.parse('2024-03-12T14:29:00Z'),
      trades: 40,
    });
    expect(h.feed.subscriptions.trades).toEqual(['AAPL', 'MSFT']);
    expect(h.feed.subscriptions.corrections).toEqual(['AAPL', 'MSFT']);
  });

  it('live setSymbols: unsubscribes and subscribes on the open connection', async () => {
    mock = await AlpacaMockServer.start();
    const h = start();
    await mock.waitForSubscription('trades', 'MSFT');
    h.feed.setSymbols(['AAPL', 'NVDA']);
    await mock.waitForSubscription('trades', 'NVDA');
    await until(
      () => !(mock.connections[0]?.subscriptions.trades ?? []).includes('MSFT'),
      'MSFT unsubscribed',
    );
    expect(mock.connections).toHaveLength(1);
  });

  it('wrong keys: one clear error per attempt, slow retries, no secret anywhere', async () => {
    mock = await AlpacaMockServer.start();
    const h = start({ keyId: 'AKWRONGKEY', secretKey: 'very-secret-value', authRetryMs: 200 });
    await until(() => mock.stats.authFailures >= 3, 'three attempts');
    await h.feed.stop();
    const errors = h.of('venueError');
    expect(errors).toHaveLength(mock.stats.authFailures);
    expect(errors.every((e) => e.code === 402)).toBe(true);
    expect(errors[0]?.message).toMatch(
      /refused authentication: 402 auth failed \(attempt 1; check APCA_API_KEY_ID/,
    );
    // Every retry after a refusal waits at least authRetryMs (our backoff cap here is 100 ms).
    const retries = h.of('disconnected').flatMap((e) => (e.retryInMs === undefined ? [] : [e.retryInMs]));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.every((ms) => ms >= 200)).toBe(true);
    expect(h.of('trade')).toHaveLength(0);
    expect(JSON.stringify(h.events)).not.toMatch(/very-secret-value|AKWRONGKEY/);
    // Production default: at least 30 s between attempts, so at most 2-3 attempts a minute.
    expect(resolveAlpacaFeedOptions({ symbols: [], ...KEY }).authRetryMs).toBeGreaterThanOrEqual(20_000);
  });

  it('a plan that does not cover the feed (409 on sip) is an auth refusal: slow retries', async () => {
    mock = await AlpacaMockServer.start({ plan: ['/v2/iex'] });
    const h = start({ feed: 'sip', authRetryMs: 200 });
    await until(() => h.of('venueError').length >= 2, 'two refusals');
    expect(h.of('venueError')[0]?.message).toMatch(/409 insufficient subscription .*'sip' feed/);
    const retries = h.of('disconnected').flatMap((e) => (e.retryInMs === undefined ? [] : [e.retryInMs]));
    expect(retries.every((ms) => ms >= 200)).toBe(true);
  });

  it('crypto: /v1beta3/crypto/us, taker side kept', async () => {
    mock = await AlpacaMockServer.start();
    const h = start({ feed: 'crypto', symbols: ['BTC/USD'], bars: false });
    await mock.waitForSubscription('trades', 'BTC/USD');
    // The mock records the subscribe when it arrives; the feed confirms it only once the reply is back.
    await until(() => (h.feed.subscriptions.trades ?? []).length > 0, 'the confirmed subscription');
    expect(mock.connections[0]?.path).toBe('/v1beta3/crypto/us');
    expect(h.feed.subscriptions).toEqual({
      trades: ['BTC/USD'],
      quotes: ['BTC/USD'],
      orderbooks: [],
      bars: [],
      updatedBars: [],
      dailyBars: [],
    });
    mock.publishItems([
      {
        T: 't',
        S: 'BTC/USD',
        p: 46386.98,
        s: 0.035083,
        t: '2021-09-08T05:04:03.269Z',
        i: 20242430,
        tks: 'S',
      },
    ]);
    await until(() => h.of('trade').length === 1, 'the trade');
    expect(h.of('trade')[0]?.trade).toMatchObject({
      symbol: 'BTC/USD',
      side: 'sell',
      size: 0.035083,
      id: '20242430',
    });
  });

  it('connection limit: the second connection of a key gets 406 and waits longer than the backoff', async () => {
    mock = await AlpacaMockServer.start();
    const first = start();
    await mock.waitForSubscription('trades', 'AAPL');
    const second = start({ connectionLimitRetryMs: 300 });
    await until(() => second.of('venueError').length >= 2, 'two refusals');
    const refusal = second.of('venueError')[0];
    expect(refusal?.code).toBe(406);
    expect(refusal?.message).toMatch(/406 connection limit exceeded/);
    const retries = second
      .of('disconnected')
      .flatMap((e) => (e.retryInMs === undefined ? [] : [e.retryInMs]));
    expect(retries.every((ms) => ms >= 300)).toBe(true);
    expect(first.of('disconnected')).toHaveLength(0);
    // Once the first lets go, the second gets in.
    await first.feed.stop();
    await until(
      () => second.of('connected').length > 0 && mock.openConnections.some((c) => c.authenticated),
      'second in',
    );
  });

  it('symbol limit: refused symbols are reported, the others stay subscribed', async () => {
    mock = await AlpacaMockServer.start({ maxSymbols: 2 });
    const h = start();
    await mock.waitForSubscription('trades', 'MSFT');
    h.feed.setSymbols(['AAPL', 'MSFT', 'NVDA', 'TSLA']);
    await until(() => h.of('venueError').length === 1, 'the refusal');
    const refusal = h.of('venueError')[0];
    expect(refusal?.code).toBe(405);
    expect(refusal?.symbols).toEqual(['NVDA', 'TSLA']);
    expect(refusal?.message).toMatch(/symbol limit exceeded: refused NVDA, TSLA/);
    expect(mock.connections[0]?.subscriptions.trades).toEqual(['AAPL', 'MSFT']);
    expect(h.of('disconnected')).toHaveLength(0);
  });

  it('reconnects after a drop and reports the time gap', async () => {
    mock = await AlpacaMockServer.start();
    const h = start();
    await mock.waitForSubscription('trades', 'AAPL');
    mock.publishItems([trade('AAPL', 1)]);
    await until(() => h.of('trade').length === 1, 'first trade');
    mock.dropConnections();
    await until(() => h.of('gap').length === 1, 'the gap');
    const gap = h.of('gap')[0]?.gap;
    expect(gap).toMatchObject({ venue: 'alpaca', symbols: ['AAPL', 'MSFT'], cause: 'reconnect' });
    expect(gap?.fromTs).toBeLessThanOrEqual(gap?.toTs ?? 0);
    expect(gap?.fromTs).toBe(h.of('trade')[0]?.trade.recvTs);
    await mock.waitForSubscription('trades', 'AAPL');
    mock.publishItems([trade('AAPL', 2)]);
    await until(() => h.of('trade').length === 2, 'trade after reconnect');
    expect(mock.connections).toHaveLength(2);
  });

  it('malformed frames become rejects while the feed goes on', async () => {
    mock = await AlpacaMockServer.start({ faults: { malformedRate: 1 } });
    const h = start();
    await mock.waitForSubscription('trades', 'AAPL');
    for (let id = 1; id <= 20; id++) mock.publishItems([trade('AAPL', id)]);
    await until(() => h.of('trade').length === 20 && h.of('reject').length >= 20, 'all frames');
    expect(h.of('reject').every((e) => e.reject.reason.length > 0 && e.reject.venue === 'alpaca')).toBe(true);
    expect(h.of('disconnected')).toHaveLength(0);
  });

  it('our pings keep a quiet link alive for the link watchdog; without them it is cut as stale', async () => {
    mock = await AlpacaMockServer.start();
    const watchdog = { linkTimeoutMs: 200, minSilenceMs: 60_000, maxSilenceMs: 120_000, checkIntervalMs: 20 };
    const pinging = start({ pingIntervalMs: 40, watchdog });
    await mock.waitForSubscription('trades', 'AAPL');
    const silent = start({ pingIntervalMs: 0, watchdog, wsUrl: mock.url, feed: 'sip' });
    await until(() => silent.of('disconnected').some((e) => e.cause === 'stale'), 'the silent link cut');
    expect(silent.of('disconnected')[0]?.reason).toMatch(/no frame for \d+ ms/);
    expect(pinging.of('disconnected')).toHaveLength(0);
  });

  it('a server-side error that drops us (407 slow client) reconnects with normal backoff', async () => {
    mock = await AlpacaMockServer.start();
    const h = start();
    await mock.waitForSubscription('trades', 'AAPL');
    mock.connections[0]?.socket.send('[{"T":"error","code":407,"msg":"slow client"}]');
    await until(() => h.of('gap').length === 1, 'reconnected');
    expect(h.of('venueError')[0]).toMatchObject({
      code: 407,
      message: 'Alpaca: 407 slow client; reconnecting',
    });
  });
});
