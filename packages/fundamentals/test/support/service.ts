import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AlphaVantageSource } from '../../src/alphavantage/alphaVantageSource';
import { FmpSource } from '../../src/fmp/fmpSource';
import { FundamentalsService, type FundamentalsServiceOptions } from '../../src/fundamentalsService';
import { YahooSource } from '../../src/yahoo/yahooSource';
import { AV_KEY, FMP_KEY } from './mocks';

export interface MockUrls {
  fmp: string;
  yahoo: string;
  alphaVantage: string;
}

/** The three sources pointed at mocks, in the default priority order. */
export function mockSources(urls: MockUrls) {
  return [
    new FmpSource({ apiKey: FMP_KEY, baseUrl: urls.fmp }),
    new YahooSource({ baseUrl: urls.yahoo, cookieUrl: `${urls.yahoo}/` }),
    new AlphaVantageSource({ apiKey: AV_KEY, baseUrl: urls.alphaVantage }),
  ];
}

export function mockService(root: string, urls: MockUrls, options: Partial<FundamentalsServiceOptions> = {}) {
  return new FundamentalsService({ root, sources: mockSources(urls), ...options });
}

/** A fresh cache root under the system temp directory; remove it with `fs.rm(root, { recursive: true })`. */
export function tempRoot(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tickline-fundamentals-'));
}
