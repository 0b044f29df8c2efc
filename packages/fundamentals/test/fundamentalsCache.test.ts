import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FundamentalsError } from '../src/fundamentalsError';
import { FmpMock } from '../src/mock/fmpMock';
import { fixture } from './support/fixtures';
import { FMP_KEY, startMocks } from './support/mocks';
import { mockService, tempRoot } from './support/service';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 1, 24, 12);
let mocks: Awaited<ReturnType<typeof startMocks>>;
let root: string;
let now: number;
const clock = () => now;

beforeEach(async () => {
  mocks = await startMocks();
  root = await tempRoot();
  now = T0;
});
afterEach(async () => {
  await mocks.close();
  await fs.rm(root, { recursive: true, force: true });
});

const service = (extra = {}) => mockService(root, mocks.urls, { now: clock, ...extra });
const requests = () => mocks.fmp.count() + mocks.yahoo.count('/v10') + mocks.alphaVantage.count();
const fmpFiles = async (dir: string) => (await fs.readdir(dir)).filter((name) => name.startsWith('fmp_'));
const origins = (result: { served: { provider: string; origin: string }[] }) =>
  result.served.map((s) => `${s.provider}:${s.origin}`);

describe('getFundamentals through the JSON cache', () => {
  it('fetches every provider once, writes the FILECACHE layout, then serves fresh files without a request', async () => {
    const first = await service().getFundamentals('AAPL');
    expect(origins(first)).toEqual(['fmp:fetched', 'yahoo:fetched', 'alphavantage:fetched']);
    expect(requests()).toBe(5);
    expect((await fs.readdir(path.join(root, 'fundamentals', 'AAPL'))).sort()).toEqual([
      'alphavantage_20250224_120000.json',
      'combined_20250224_120000.json',
      'fmp_20250224_120000.json',
      'yahoo_20250224_120000.json',
    ]);
    now += DAY;
    const second = await service().getFundamentals('AAPL');
    expect(origins(second)).toEqual(['fmp:cache', 'yahoo:cache', 'alphavantage:cache']);
    expect(requests()).toBe(5);
    expect(second.served[0]?.snapshot.record).toEqual(first.served[0]?.snapshot.record);
  });

  it("judges freshness by the data type's TTL: after 4 days profile is fresh, ratios are not", async () => {
    await service().getFundamentals('AAPL', { providers: ['alphavantage'] });
    now += 4 * DAY;
    await service().getFundamentals('AAPL', { providers: ['alphavantage'], dataType: 'profile' });
    expect(mocks.alphaVantage.count()).toBe(1);
    await service().getFundamentals('AAPL', { providers: ['alphavantage'], dataType: 'ratios' });
    expect(mocks.alphaVantage.count()).toBe(2);
    // Without a type, the snapshot must be fresh for every type it holds (ratios: 3 days).
    now += 4 * DAY;
    await service().getFundamentals('AAPL', { providers: ['alphavantage'] });
    expect(mocks.alphaVantage.count()).toBe(3);
  });

  it('takes TTLs from options and refetches on forceRefresh', async () => {
    const custom = service({ ttlDays: { profile: 1 } });
    await custom.getFundamentals('AAPL', { providers: ['alphavantage'] });
    now += DAY + 1;
    await custom.getFundamentals('AAPL', { providers: ['alphavantage'], dataType: 'profile' });
    expect(mocks.alphaVantage.count()).toBe(2);
    now += 1;
    const forced = await custom.getFundamentals('AAPL', { providers: ['alphavantage'], forceRefresh: true });
    expect(mocks.alphaVantage.count()).toBe(3);
    expect(origins(forced)).toEqual(['alphavantage:fetched']);
  });

  it('fails over: FMP rate-limited, Yahoo and Alpha Vantage serve, and the result says so', async () => {
    mocks.fmp.fault = 'limit429';
    const result = await service().getFundamentals('AAPL');
    expect(origins(result)).toEqual(['yahoo:fetched', 'alphavantage:fetched']);
    expect(result.failures).toEqual([expect.objectContaining({ provider: 'fmp', code: 'RATE_LIMITED' })]);
    expect(result.stale).toBe(false);
  });

  it('serves the last good snapshots marked stale when every provider fails', async () => {
    await service().getFundamentals('AAPL');
    now += 30 * DAY;
    mocks.fmp.fault = 'server500';
    mocks.yahoo.fault = 'rateLimit';
    mocks.alphaVantage.fault = 'daily';
    const result = await service().getFundamentals('AAPL');
    expect(origins(result)).toEqual(['fmp:stale', 'yahoo:stale', 'alphavantage:stale']);
    expect(result.stale).toBe(true);
    expect(result.failures.map((f) => f.code)).toEqual(['UNAVAILABLE', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(result.served[0]?.snapshot.fetchedAt).toBe(T0);
  });

  it('says ALL_PROVIDERS_FAILED, with each reason, when nothing is cached either', async () => {
    mocks.fmp.fault = 'limit200';
    mocks.alphaVantage.fault = 'burst';
    const error = await service()
      .getFundamentals('AAPL', { providers: ['fmp', 'alphavantage'] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FundamentalsError);
    expect((error as FundamentalsError).code).toBe('ALL_PROVIDERS_FAILED');
    expect((error as FundamentalsError).message).toMatch(/fmp RATE_LIMITED.*alphavantage RATE_LIMITED/);
  });

  it('refuses an unknown provider name, listing the configured ones', async () => {
    await expect(service().getFundamentals('AAPL', { providers: ['bloomberg'] })).rejects.toThrow(
      /unknown provider "bloomberg" \(configured: fmp, yahoo, alphavantage\)/,
    );
  });

  it('keeps the last good copy when the newest file is corrupt, and serves it', async () => {
    const svc = service({ cleanup: { keepGood: 1, corruptGraceMs: 0 } });
    await svc.getFundamentals('AAPL', { providers: ['fmp'] });
    const dir = path.join(root, 'fundamentals', 'AAPL');
    await fs.writeFile(path.join(dir, 'fmp_20250301_000000.json'), '{"metadata": {"provider": "fmp", "sym');
    now += 10 * DAY;
    expect(await svc.store.cleanup('AAPL', 'fmp', { keepGood: 1, corruptGraceMs: 0 })).toEqual([
      'fmp_20250301_000000.json',
    ]);
    expect(await fmpFiles(dir)).toEqual(['fmp_20250224_120000.json']);
    await fs.writeFile(path.join(dir, 'fmp_20250301_000000.json'), 'garbage');
    mocks.fmp.fault = 'limit429';
    const result = await svc.getFundamentals('AAPL', { providers: ['fmp'] });
    expect(origins(result)).toEqual(['fmp:stale']);
    expect(result.served[0]?.snapshot.fetchedAt).toBe(T0);
    mocks.fmp.fault = undefined;
    await svc.getFundamentals('AAPL', { providers: ['fmp'] });
    expect(await fmpFiles(dir)).toEqual(['fmp_20250306_120000.json']);
  });
});

describe('a cache written by the old system', () => {
  beforeEach(async () => {
    await fs.cp(path.join(__dirname, 'fixtures', 'legacy-cache'), root, { recursive: true });
    now = Date.UTC(2025, 0, 7, 9);
  });

  it('is read and served without a request, old provider names mapped to ours', async () => {
    const result = await service().getFundamentals('AAPL', { providers: ['yahoo', 'alphavantage'] });
    expect(requests()).toBe(0);
    expect(origins(result)).toEqual(['yahoo:cache', 'alphavantage:cache']);
    const yahoo = result.served[0]!.snapshot;
    expect(yahoo.legacy).toBe(true);
    expect(yahoo.fetchedAt).toBe(Date.UTC(2025, 0, 6, 14, 30, 22, 123));
    expect(yahoo.record.fields.marketCap).toEqual({
      value: 3688676720640,
      source: 'yahoo',
      fetchedAt: yahoo.fetchedAt,
    });
    expect(yahoo.record.fields.priceToBook?.value).toBe(55.328976);
    expect(yahoo.record.fields.freeCashFlow?.value).toBe(93833871360);
    expect(yahoo.record.fields.officers).toBeUndefined();
    expect(result.served[1]!.snapshot.record.fields.priceToBook).toBeUndefined();
  });

  it('reads its combined file with each field credited to its provider', async () => {
    const combined = await service().store.latestGood('AAPL', 'combined');
    expect(combined?.record.fields.dividendYield).toMatchObject({ value: 0.0043, source: 'alphavantage' });
    expect(combined?.record.fields.marketCap?.source).toBe('yahoo');
  });

  it('is refreshed when stale, its newer files keeping the old readable layout', async () => {
    now = Date.UTC(2025, 1, 24, 12);
    await service({ cleanup: { keepGood: 1 } }).getFundamentals('AAPL', { providers: ['yahoo'] });
    const names = await fs.readdir(path.join(root, 'fundamentals', 'AAPL'));
    expect(names.sort()).toEqual([
      'alpha_vantage_20250106_143107.json',
      'combined_20250224_120000.json',
      'yahoo_20250224_120000.json',
    ]);
  });
});

describe('the combined view', () => {
  it('is saved under provider combined, readable by the old system, each field crediting its provider', async () => {
    const result = await service().getFundamentals('AAPL', { strategy: 'consensus' });
    const file = path.join(root, 'fundamentals', 'AAPL', 'combined_20250224_120000.json');
    const body = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(body.metadata).toMatchObject({ provider: 'combined', symbol: 'AAPL', cache_version: '1.0' });
    expect(body.fundamentals._metadata).toMatchObject({
      combination_strategy: 'consensus',
      providers_used: ['alphavantage', 'fmp', 'yahoo'],
      combination_timestamp: '2025-02-24T12:00:00.000',
    });
    expect(body.fundamentals._metadata.field_sources.market_cap).toBe(
      result.combined.record.fields.marketCap?.source,
    );
    expect(body.fundamentals.market_cap).toBe(result.combined.record.fields.marketCap?.value);
    // The recorded IBM overview served as AAPL disagrees with FMP and Yahoo: flagged, not averaged.
    const flag = result.combined.combination.flags.find((f) => f.field === 'marketCap');
    expect(flag?.kind).toBe('disagreement');
    expect(result.combined.record.fields.marketCap?.source).toBe('fmp');
  });

  it('credits the next provider when the first fails, and is not rewritten while nothing changed', async () => {
    mocks.fmp.fault = 'limit429';
    const result = await service().getFundamentals('AAPL');
    expect(result.combined.record.fields.marketCap?.source).toBe('yahoo');
    expect(result.combined.record.fields.sector?.source).toBe('yahoo');
    const dir = path.join(root, 'fundamentals', 'AAPL');
    now += 1000;
    await service().getFundamentals('AAPL', { providers: ['yahoo', 'alphavantage'] });
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('combined_'))).toEqual([
      'combined_20250224_120000.json',
    ]);
  });
});

describe('symbols', () => {
  it('are normalised, and filed under the spelling asked for even when a provider answers another', async () => {
    const profile = (fixture('fmp/profile_AAPL.json') as Record<string, unknown>[])[0]!;
    const fmp = await new FmpMock(FMP_KEY, {
      'BRK.B': { profile: [{ ...profile, symbol: 'BRK-B' }] },
    }).listen();
    try {
      const svc = mockService(root, { ...mocks.urls, fmp: fmp.url }, { now: clock });
      const first = await svc.getFundamentals(' brk.b ', { providers: ['fmp'] });
      expect(first.symbol).toBe('BRK.B');
      expect(first.served[0]?.snapshot.record.symbol).toBe('BRK-B');
      expect(first.combined.record.symbol).toBe('BRK.B');
      const again = await svc.getFundamentals('BRK.B', { providers: ['fmp'] });
      expect(again.served[0]?.origin).toBe('cache');
      expect(fmp.count('/stable/profile')).toBe(1);
    } finally {
      await fmp.close();
    }
  });

  it('that cannot name a directory are refused before any request', async () => {
    await expect(service().getFundamentals('AAPL:X')).rejects.toThrow(
      /symbol must be upper case without spaces or ':'/,
    );
    await expect(service().getFundamentals('../ETC')).rejects.toThrow(/no '\.' or '\.\.' part/);
    expect(requests()).toBe(0);
  });
});
