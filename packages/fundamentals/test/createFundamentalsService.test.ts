import { promises as fs } from 'node:fs';
import { ConfigSchema } from '@tickline/config';
import { createFundamentalsService } from '../src/createFundamentalsService';
import { FMP_KEY, startMocks, type Mocks } from './support/mocks';
import { tempRoot } from './support/service';

let mocks: Mocks;
let root: string;
beforeEach(async () => {
  mocks = await startMocks();
  root = await tempRoot();
});
afterEach(async () => {
  await mocks.close();
  await fs.rm(root, { recursive: true, force: true });
});

it('builds the service from the config sections, skipping keyless providers and saying why', async () => {
  const config = ConfigSchema.parse({
    cache: { dir: root },
    fundamentals: {
      providers: ['alphavantage', 'yahoo', 'fmp'],
      strategy: 'consensus',
      ttlDays: { ratios: 1 },
    },
    venues: {
      fmp: { restUrl: mocks.urls.fmp, apiKey: FMP_KEY },
      yahoo: { restUrl: mocks.urls.yahoo },
      alphavantage: { restUrl: mocks.urls.alphaVantage },
    },
  });
  const { service, skipped } = createFundamentalsService({
    root: config.cache.dir,
    ...config.fundamentals,
    venues: config.venues,
  });
  expect(skipped).toEqual([{ provider: 'alphavantage', reason: 'no API key: set ALPHAVANTAGE_API_KEY' }]);
  const result = await service.getFundamentals('AAPL');
  expect(result.served.map((s) => s.provider)).toEqual(['yahoo', 'fmp']);
  expect(result.combined.combination.strategy).toBe('consensus');
  expect(mocks.alphaVantage.count()).toBe(0);
});
