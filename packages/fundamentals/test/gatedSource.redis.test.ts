import { promises as fs } from 'node:fs';
import { ProviderGate, RedisRateLimiter } from '@tickline/providers';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { FmpSource } from '../src/fmp/fmpSource';
import { FundamentalsService } from '../src/fundamentalsService';
import { GatedSource } from '../src/gatedSource';
import { YahooSource } from '../src/yahoo/yahooSource';
import { FMP_KEY, startMocks, type Mocks } from './support/mocks';
import { tempRoot } from './support/service';

let mocks: Mocks;
let root: string;
let redis: RedisTestContext;
beforeEach(async () => {
  mocks = await startMocks();
  root = await tempRoot();
  redis = redisTestContext('fundamentals-gate');
});
afterEach(async () => {
  await mocks.close();
  await fs.rm(root, { recursive: true, force: true });
  await redis.cleanup();
});

const yahoo = () => new YahooSource({ baseUrl: mocks.urls.yahoo, cookieUrl: `${mocks.urls.yahoo}/` });

it('books each fetch on the shared Redis limit and, once the budget is spent, fails over without calling FMP', async () => {
  const limiter = new RedisRateLimiter({
    redis: redis.redis,
    prefix: redis.prefix,
    provider: 'fmp',
    rules: [{ limit: 3, windowMs: 60_000 }],
    maxWaitMs: 50,
  });
  const fmp = new GatedSource(
    new FmpSource({ apiKey: FMP_KEY, baseUrl: mocks.urls.fmp }),
    new ProviderGate({ provider: 'fmp', limiter }),
    3,
  );
  const service = new FundamentalsService({ root, sources: [fmp, yahoo()] });
  await service.getFundamentals('AAPL');
  expect(mocks.fmp.count()).toBe(3);
  const forced = await service.getFundamentals('AAPL', { forceRefresh: true });
  expect(mocks.fmp.count()).toBe(3);
  expect(forced.failures).toEqual([expect.objectContaining({ provider: 'fmp', code: 'RATE_LIMITED' })]);
  expect(forced.served.map((s) => `${s.provider}:${s.origin}`)).toEqual(['fmp:stale', 'yahoo:fetched']);
});

it('opens the breaker after repeated failures: UNAVAILABLE twice, then FMP is skipped without a request', async () => {
  const gate = new ProviderGate({ provider: 'fmp', breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
  const fmp = new GatedSource(new FmpSource({ apiKey: FMP_KEY, baseUrl: mocks.urls.fmp }), gate, 3);
  mocks.fmp.fault = 'server500';
  const service = new FundamentalsService({ root, sources: [fmp, yahoo()] });
  for (let i = 0; i < 2; i++) {
    const result = await service.getFundamentals('AAPL', { forceRefresh: true });
    expect(result.failures[0]).toMatchObject({ provider: 'fmp', code: 'UNAVAILABLE' });
  }
  expect(mocks.fmp.count()).toBe(2);
  const third = await service.getFundamentals('AAPL', { forceRefresh: true });
  expect(mocks.fmp.count()).toBe(2);
  expect(third.failures[0]?.message).toMatch(/circuit breaker open/);
  expect(gate.status().breaker).toBe('open');
});
