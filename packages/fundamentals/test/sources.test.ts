import { AlphaVantageSource } from '../src/alphavantage/alphaVantageSource';
import { FmpSource } from '../src/fmp/fmpSource';
import { FundamentalsError } from '../src/fundamentalsError';
import type { FmpFault } from '../src/mock/fmpMock';
import type { AlphaVantageFault } from '../src/mock/alphaVantageMock';
import { YahooSource } from '../src/yahoo/yahooSource';
import { fixture } from './support/fixtures';
import { AV_KEY, FMP_KEY, startMocks } from './support/mocks';

const NOW = Date.UTC(2025, 1, 24, 12);
let mocks: Awaited<ReturnType<typeof startMocks>>;

beforeEach(async () => {
  mocks = await startMocks();
});
afterEach(() => mocks.close());

async function failure(promise: Promise<unknown>): Promise<FundamentalsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FundamentalsError);
  return error as FundamentalsError;
}

describe('FmpSource against the FMP mock', () => {
  const source = () => new FmpSource({ apiKey: FMP_KEY, baseUrl: mocks.fmp.url });

  it('makes three requests (profile, key metrics, one annual statement) and maps them', async () => {
    const record = await source().fetch('AAPL', NOW);
    expect(mocks.fmp.requests.map((r) => r.path)).toEqual([
      '/stable/profile',
      '/stable/key-metrics-ttm',
      '/stable/income-statement',
    ]);
    expect(mocks.fmp.requests[2]?.query.get('limit')).toBe('1');
    expect(record.fields.marketCap?.value).toBe(3500823120000);
    expect(record.fields.revenue?.value).toBe(94036000000);
  });

  it('reports an unknown symbol (empty array) as NOT_FOUND after one request', async () => {
    expect((await failure(source().fetch('NOPE', NOW))).code).toBe('NOT_FOUND');
    expect(mocks.fmp.count()).toBe(1);
  });

  it.each<[FmpFault, string]>([
    ['limit429', 'RATE_LIMITED'],
    ['limit200', 'RATE_LIMITED'],
    ['bandwidth', 'RATE_LIMITED'],
    ['restricted402', 'UNAUTHORIZED'],
    ['server500', 'UNAVAILABLE'],
  ])('classifies %s as %s without leaking the key', async (fault, code) => {
    mocks.fmp.fault = fault;
    const error = await failure(source().fetch('AAPL', NOW));
    expect(error.code).toBe(code);
    expect(error.message).not.toContain(FMP_KEY);
    expect(error.message).toContain('apikey=[redacted]');
  });

  it('reports a refused key as UNAUTHORIZED', async () => {
    const error = await failure(
      new FmpSource({ apiKey: 'wrong', baseUrl: mocks.fmp.url }).fetch('AAPL', NOW),
    );
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/Invalid API KEY/);
  });

  it('refuses an empty key at construction, naming the variable', () => {
    expect(() => new FmpSource({ apiKey: ' ' })).toThrow(/FMP_API_KEY/);
  });
});

describe('YahooSource against the Yahoo mock', () => {
  const source = () => new YahooSource({ baseUrl: mocks.yahoo.url, cookieUrl: `${mocks.yahoo.url}/` });

  it('gets a cookie and a crumb once, then one quoteSummary per fetch', async () => {
    const yahoo = source();
    const record = await yahoo.fetch('AAPL', NOW);
    await yahoo.fetch('AAPL', NOW);
    expect(mocks.yahoo.requests.map((r) => r.path)).toEqual([
      '/',
      '/v1/test/getcrumb',
      '/v10/finance/quoteSummary/AAPL',
      '/v10/finance/quoteSummary/AAPL',
    ]);
    expect(mocks.yahoo.requests[2]?.query.get('modules')).toBe(
      'price,summaryDetail,defaultKeyStatistics,financialData,assetProfile',
    );
    expect(record.fields.peRatio?.value).toBe(38.91442);
  });

  it('renews a crumb Yahoo stopped accepting, once', async () => {
    const yahoo = source();
    await yahoo.fetch('AAPL', NOW);
    mocks.yahoo.fault = 'staleCrumb';
    await yahoo.fetch('AAPL', NOW);
    expect(mocks.yahoo.count('/v1/test/getcrumb')).toBe(2);
    expect(mocks.yahoo.count('/v10/finance/quoteSummary')).toBe(3);
  });

  it('reports 429 as RATE_LIMITED, empty results and unknown symbols as NOT_FOUND', async () => {
    mocks.yahoo.fault = 'rateLimit';
    expect((await failure(source().fetch('AAPL', NOW))).code).toBe('RATE_LIMITED');
    mocks.yahoo.fault = 'empty';
    expect((await failure(source().fetch('AAPL', NOW))).message).toMatch(/result is empty/);
    mocks.yahoo.fault = undefined;
    const unknown = await failure(source().fetch('EURUSD=X', NOW));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(/No fundamentals data found/);
  });
});

describe('AlphaVantageSource against the Alpha Vantage mock', () => {
  const source = () => new AlphaVantageSource({ apiKey: AV_KEY, baseUrl: mocks.alphaVantage.url });

  it('makes one OVERVIEW request and maps the strings', async () => {
    const record = await source().fetch('IBM', NOW);
    expect(mocks.alphaVantage.count()).toBe(1);
    expect(mocks.alphaVantage.requests[0]?.query.get('function')).toBe('OVERVIEW');
    expect(record.fields.peRatio?.value).toBe(14.1327);
  });

  it.each<[AlphaVantageFault, string]>([
    ['daily', 'RATE_LIMITED'],
    ['burst', 'RATE_LIMITED'],
    ['legacyNote', 'RATE_LIMITED'],
    ['premium', 'UNAUTHORIZED'],
  ])('reads the HTTP-200 %s notice as %s', async (fault, code) => {
    mocks.alphaVantage.fault = fault;
    const error = await failure(source().fetch('IBM', NOW));
    expect(error.code).toBe(code);
    expect(error.message).not.toContain(AV_KEY);
  });

  it('reports {} (unknown symbol) as NOT_FOUND', async () => {
    expect((await failure(source().fetch('ZZZZ', NOW))).code).toBe('NOT_FOUND');
  });
});

describe('mock fidelity', () => {
  it("answers a module-less symbol with Yahoo's recorded 404 body", async () => {
    const recorded = fixture('yahoo/quoteSummary-assetProfile-EURUSD_X.json') as {
      response: { status: number; bodyJson: unknown };
    };
    const cookie = (await fetch(`${mocks.yahoo.url}/`)).headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const crumb = await (await fetch(`${mocks.yahoo.url}/v1/test/getcrumb`, { headers: { cookie } })).text();
    const reply = await fetch(
      `${mocks.yahoo.url}/v10/finance/quoteSummary/EURUSD%3DX?formatted=false&modules=assetProfile&crumb=${crumb}`,
      {
        headers: { cookie },
      },
    );
    expect(reply.status).toBe(recorded.response.status);
    expect(await reply.json()).toEqual(recorded.response.bodyJson);
  });
});
