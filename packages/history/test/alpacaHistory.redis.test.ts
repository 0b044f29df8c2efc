import { equitySession, type Instrument } from '@tickline/core';
import { type ProviderError } from '@tickline/providers';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { AlpacaHistory, AlpacaRestMock, syntheticBar } from '../src';
import { AAPL } from './support/fixtures';
import { allPages, gate } from './support/gates';

const KEY = 'PKTESTKEY123';
const SECRET = 'secret/with+chars';
const BTC: Instrument = { venue: 'binance', symbol: 'BTCUSDT', assetClass: 'crypto' };

let ctx: RedisTestContext;
let mock: AlpacaRestMock;
beforeEach(() => (ctx = redisTestContext('tlalphist')));
afterEach(async () => {
  await mock.close();
  await ctx.cleanup();
});

const alpaca = (options: Partial<ConstructorParameters<typeof AlpacaHistory>[0]> = {}) =>
  new AlpacaHistory({ restUrl: mock.url, gate: gate('alpaca'), apiKey: KEY, apiSecret: SECRET, ...options });

describe('AlpacaHistory against the Alpaca mock', () => {
  it('follows page tokens through daily stock bars placed on New York sessions, tagged alpaca:split', async () => {
    mock = await AlpacaRestMock.start({ apiKey: KEY, apiSecret: SECRET, pageSize: 4 });
    const request = {
      instrument: AAPL,
      timeframe: '1d' as const,
      from: Date.UTC(2024, 2, 1),
      to: Date.UTC(2024, 2, 16),
      adjustment: 'split' as const,
    };
    const pages = await allPages((cursor) => alpaca().fetchPage({ ...request, cursor }));
    const bars = pages.flatMap((p) => p.bars);
    expect(pages.length).toBe(3); // 11 weekdays in 4-bar pages
    expect(bars.map((b) => b.start)).toEqual(
      ['01', '04', '05', '06', '07', '08', '11', '12', '13', '14', '15'].map(
        (d) => equitySession(`2024-03-${d}`)!.open,
      ),
    );
    expect(bars[0]).toMatchObject({
      source: 'alpaca:split',
      end: equitySession('2024-03-01')!.close,
      close: syntheticBar('AAPL', '1d', bars[0]!.start).close,
    });
  });

  it('serves crypto without keys, spelling BTCUSDT as BTC/USDT', async () => {
    mock = await AlpacaRestMock.start();
    const page = await alpaca({ apiKey: undefined, apiSecret: undefined }).fetchPage({
      instrument: BTC,
      timeframe: '1m',
      from: Date.UTC(2024, 0, 1),
      to: Date.UTC(2024, 0, 1, 1),
    });
    expect(page.bars).toHaveLength(60);
    expect(page.bars[0]).toMatchObject({
      venue: 'binance',
      symbol: 'BTCUSDT',
      source: 'alpaca:raw',
      close: syntheticBar('BTC/USDT', '1m', Date.UTC(2024, 0, 1)).close,
    });
  });

  it('refused credentials are UNAUTHORIZED and never shown', async () => {
    mock = await AlpacaRestMock.start({ apiKey: 'other', apiSecret: 'other' });
    const error = (await alpaca()
      .fetchPage({ instrument: AAPL, timeframe: '1d', from: 0, to: 1e12 })
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(`${error.message} ${String(error.stack)}`).not.toMatch(/PKTESTKEY123|secret\/with/);
  });

  it('a 429 is RATE_LIMITED and pushes the shared budget back; X-RateLimit usage is booked', async () => {
    mock = await AlpacaRestMock.start({ apiKey: KEY, apiSecret: SECRET, requestsPerWindow: 3 });
    const g = gate('alpaca', { ...ctx, rules: [{ limit: 100, windowMs: 60000 }] });
    const history = alpaca({ gate: g });
    const request = {
      instrument: AAPL,
      timeframe: '1h' as const,
      from: Date.UTC(2024, 2, 4),
      to: Date.UTC(2024, 2, 5),
    };
    await fetch(
      `${mock.url}/v1beta3/crypto/us/bars?symbols=BTC/USD&timeframe=1Min&start=2024-01-01T00:00:00Z`,
    ); // spent elsewhere
    await history.fetchPage(request);
    await history.fetchPage(request);
    expect((await g.limiter!.tryAcquire(98)).waitMs).toBeGreaterThan(0); // 3 of 100 booked, not 2
    const limited = (await history.fetchPage(request).catch((e: unknown) => e)) as ProviderError;
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(limited.retryAfterMs).toBeGreaterThan(0); // from X-RateLimit-Reset: Alpaca sends no Retry-After
    expect(limited.retryAfterMs).toBeLessThanOrEqual(60000);
    expect((await g.limiter!.tryAcquire(1)).waitMs).toBeGreaterThan(0);
    expect(mock.rateLimited).toBe(1);
  });
});
