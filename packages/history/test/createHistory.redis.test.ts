import { ConfigSchema } from '@tickline/config';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { AlpacaRestMock, BinanceRestMock, createHistory, type ProviderAttempt } from '../src';
import { AAPL, BTCUSDT } from './support/fixtures';

let ctx: RedisTestContext;
let binance: BinanceRestMock;
let alpaca: AlpacaRestMock;
beforeEach(async () => {
  ctx = redisTestContext('tlcreatehist');
  binance = await BinanceRestMock.start();
  alpaca = await AlpacaRestMock.start({ apiKey: 'k', apiSecret: 's' });
});
afterEach(async () => {
  await binance.close();
  await alpaca.close();
  await ctx.cleanup();
});

describe('createHistory from config', () => {
  it('builds every provider behind a Redis-shared limit and routes by the configured rules', async () => {
    const config = ConfigSchema.parse({
      venues: {
        binance: { restUrl: binance.url },
        alpaca: { restUrl: alpaca.url, apiKey: 'k', apiSecret: 's' },
      },
      backfill: {
        rules: [
          {
            assetClasses: ['crypto'],
            timeframes: 'any',
            providers: ['alpaca', 'binance'],
            adjustment: 'raw',
          },
        ],
      },
    });
    expect(config.backfill.limits.binance).toEqual([{ limit: 6000, windowMs: 60000, marginMs: 1000 }]);
    const attempts: ProviderAttempt[] = [];
    const { router, providers } = createHistory(config, {
      redis: ctx.redis,
      prefix: ctx.prefix,
      onAttempt: (a) => attempts.push(a),
    });
    const result = await router.fetchRange({
      instrument: BTCUSDT,
      timeframe: '1h',
      from: Date.UTC(2024, 0, 1),
      to: Date.UTC(2024, 0, 2),
    });
    expect(result.bars).toHaveLength(24);
    expect(result.bars[0]!.source).toBe('alpaca:raw'); // the configured order, not the default
    expect(attempts.map((a) => a.provider)).toEqual(['alpaca']);
    expect(providers.alpaca.gate.status()).toMatchObject({ breaker: 'closed', calls: 1 });
    const keys = await ctx.redis.keys(`${ctx.prefix}:ratelimit:*`);
    expect(keys.some((k) => k.includes('{alpaca:key-'))).toBe(true); // per API key, hashed
    expect(keys.join(' ')).not.toMatch(/:k\b|:s\b/);
    // No rule for equities in this config: a clear refusal.
    await expect(
      router.fetchRange({ instrument: AAPL, timeframe: '1d', from: 0, to: 1 }),
    ).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
  });

  it('rejects a rule naming an unknown provider, with the path', () => {
    const parsed = ConfigSchema.safeParse({
      backfill: {
        rules: [{ assetClasses: ['crypto'], timeframes: 'any', providers: ['kraken'], adjustment: 'raw' }],
      },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['backfill', 'rules', 0, 'providers', 0]);
    expect(parsed.error!.issues[0]!.message).toContain(
      'expected one of binance, alpaca, yahoo, alphavantage',
    );
  });
});
