import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FundamentalsReport } from '@tickline/fundamentals';
import { AV_KEY, FMP_KEY, startMocks, type Mocks } from '../../fundamentals/test/support/mocks';
import { tempRoot } from '../../fundamentals/test/support/service';
import { captureCli } from './support/captureCli';

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

/** The mocks' venue URLs and the cache root, through the variables an operator would set. */
function mockEnv(keys: { fmp?: boolean; av?: boolean } = { fmp: true, av: true }): Record<string, string> {
  return {
    TICKLINE_CACHE_DIR: root,
    TICKLINE_FMP_REST_URL: mocks.urls.fmp,
    TICKLINE_YAHOO_REST_URL: mocks.urls.yahoo,
    TICKLINE_ALPHAVANTAGE_REST_URL: mocks.urls.alphaVantage,
    ...(keys.fmp ? { FMP_API_KEY: FMP_KEY } : {}),
    ...(keys.av ? { ALPHAVANTAGE_API_KEY: AV_KEY } : {}),
  };
}

const cli = (argv: string[], env: Record<string, string>) => captureCli(argv, env);

describe('tickline fundamentals', () => {
  it('prints the combined view as JSON with each field from its provider; a second run reads the cache', async () => {
    const run = await cli(['fundamentals', 'aapl', '--format', 'json'], mockEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as FundamentalsReport;
    expect(report.symbol).toBe('AAPL');
    expect(report.providers.map((p) => [p.provider, p.origin])).toEqual([
      ['fmp', 'fetched'],
      ['yahoo', 'fetched'],
      ['alphavantage', 'fetched'],
    ]);
    const marketCap = report.fields.find((f) => f.field === 'marketCap');
    expect(marketCap).toMatchObject({ source: 'fmp', currency: 'USD' });
    expect(typeof marketCap?.value).toBe('number');
    expect(marketCap!.ageMs).toBeGreaterThanOrEqual(0);
    // Priority: everything FMP has comes from FMP; the others fill only what it lacks.
    const sources = new Set(report.fields.map((f) => f.source));
    expect(sources.has('fmp')).toBe(true);
    expect(report.skipped).toEqual([]);
    const requests = mocks.fmp.count('/stable/profile');
    expect(requests).toBe(1);

    const again = await cli(['fundamentals', 'AAPL', '--format', 'json'], mockEnv());
    const cached = JSON.parse(again.stdout) as FundamentalsReport;
    expect(cached.providers.map((p) => p.origin)).toEqual(['cache', 'cache', 'cache']);
    expect(mocks.fmp.count('/stable/profile')).toBe(1);

    const yahooRequests = mocks.yahoo.count();
    const refreshed = await cli(
      ['fundamentals', 'AAPL', '--refresh', '--providers', 'fmp', '--format', 'json'],
      mockEnv(),
    );
    expect((JSON.parse(refreshed.stdout) as FundamentalsReport).providers).toMatchObject([
      { provider: 'fmp', origin: 'fetched' },
    ]);
    expect(mocks.fmp.count('/stable/profile')).toBe(2);
    expect(mocks.yahoo.count()).toBe(yahooRequests);
  });

  it('prints a table with provenance and age, the failed provider and the skipped one with its variable', async () => {
    mocks.fmp.fault = 'limit429';
    const run = await cli(['fundamentals', 'AAPL'], mockEnv({ fmp: true, av: false }));
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('AAPL  strategy priority');
    expect(lines[2]).toMatch(/^field\s+value\s+unit\s+period\s+source\s+age$/);
    const marketCap = lines.find((line) => line.startsWith('marketCap '));
    expect(marketCap).toMatch(/\sUSD\s.*\syahoo\s+\d+s$/);
    expect(run.stdout).toMatch(/\nproviders:\n {2}yahoo {2}fetched {2}\d+s old\n/);
    expect(run.stdout).toMatch(/\nfailed:\n {2}fmp {2}RATE_LIMITED {2}.+\n/);
    expect(run.stdout).toMatch(/\nskipped:\n {2}alphavantage {2}no API key: set ALPHAVANTAGE_API_KEY\n$/);
    expect(lines.find((line) => line.startsWith('sector '))).toMatch(/^sector\s+\S+\s+yahoo/);
    expect(run.stdout).not.toContain(FMP_KEY);
  });

  it('flags values rejected or disagreeing across providers', async () => {
    const run = await cli(['fundamentals', 'AAPL', '--format', 'json'], mockEnv());
    const report = JSON.parse(run.stdout) as FundamentalsReport;
    // The three recorded replies are of different days and companies (AV serves IBM's body): they disagree.
    expect(report.flags.some((f) => f.kind === 'disagreement')).toBe(true);
    const table = await cli(['fundamentals', 'AAPL'], mockEnv());
    expect(table.stdout).toMatch(/\nflags:\n {2}disagreement {2}\w+ {2}\(/);
  });

  it('names bad input and missing keys, with exit codes', async () => {
    const unknown = await cli(['fundamentals', 'AAPL', '--providers', 'fmp,bloomberg'], mockEnv());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--providers: unknown provider "bloomberg".*fmp, yahoo, alphavantage/);

    const keyless = await cli(['fundamentals', 'AAPL', '--providers', 'fmp'], mockEnv({}));
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/no provider can be asked \(fmp: no API key: set FMP_API_KEY\)/);

    const badSymbol = await cli(['fundamentals', 'A B'], mockEnv());
    expect(badSymbol.code).toBe(2);
    expect(badSymbol.stderr).toMatch(/fundamentals: .*symbol/i);

    mocks.yahoo.fault = 'rateLimit';
    const none = await cli(['fundamentals', 'AAPL', '--providers', 'yahoo'], mockEnv());
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no provider served AAPL.*yahoo RATE_LIMITED/);
  });
});

describe('tickline fundamentals restore', () => {
  it('rolls a provider back to its copy at a time, and names the providers that have none', async () => {
    expect((await cli(['fundamentals', 'AAPL', '--providers', 'fmp'], mockEnv())).code).toBe(0);
    const dir = path.join(root, 'fundamentals', 'AAPL');
    const [fetched] = (await fs.readdir(dir)).filter((name) => name.startsWith('fmp_'));
    const older = 'fmp_20250101_000000.json';
    const body = JSON.parse(await fs.readFile(path.join(dir, fetched!), 'utf8'));
    body.metadata.timestamp = '2025-01-01T00:00:00';
    await fs.writeFile(path.join(dir, older), JSON.stringify(body));

    const run = await cli(['fundamentals', 'restore', 'aapl', '--at', '2025-06-01T00:00:00Z'], mockEnv());

    expect(run.stdout).toContain(`fmp  now ${older}  (1 later copy moved to rolled-back/)`);
    expect(run.stdout).toMatch(/^combined {2}no copy at or before that time: left as it was$/m);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no copy of AAPL at or before 2025-06-01T00:00:00.000Z for combined/);
    expect((await fs.readdir(dir)).filter((name) => name.startsWith('fmp_'))).toEqual([older]);
    expect(await fs.readdir(path.join(dir, 'rolled-back'))).toEqual([fetched]);

    const again = await cli(
      ['fundamentals', 'restore', 'AAPL', '--at', '2025-06-01', '--providers', 'fmp'],
      mockEnv(),
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`fmp  now ${older}  (0 later copies moved to rolled-back/)\n`);

    const bad = await cli(['fundamentals', 'restore', 'AAPL', '--at', 'yesterday'], mockEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--at "yesterday" is not a time/);
  });
});
