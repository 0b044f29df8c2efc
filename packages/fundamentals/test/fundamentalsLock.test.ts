import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { spawnTs } from '@tickline/testkit';
import { startMocks } from './support/mocks';
import { tempRoot } from './support/service';

it('two processes refreshing the same symbol at once make one request per provider', async () => {
  const mocks = await startMocks();
  const root = await tempRoot();
  try {
    // Slow replies make the two fetches overlap: the second must wait on the lock, then find fresh files.
    for (const mock of [mocks.fmp, mocks.yahoo, mocks.alphaVantage]) mock.latencyMs = 150;
    const args = [root, mocks.urls.fmp, mocks.urls.yahoo, mocks.urls.alphaVantage];
    const script = path.join(__dirname, 'support', 'fetchOnce.ts');
    const children = [spawnTs(script, args), spawnTs(script, args)];
    const exits = await Promise.all(children.map((child) => child.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    expect(mocks.fmp.count('/stable/profile')).toBe(1);
    expect(mocks.fmp.count('/stable/key-metrics-ttm')).toBe(1);
    expect(mocks.yahoo.count('/v10/finance/quoteSummary')).toBe(1);
    expect(mocks.alphaVantage.count('/query')).toBe(1);
    const served = children.map((child) => child.stdout().trim()).sort();
    expect(served).toEqual([
      JSON.stringify([
        ['fmp', 'cache'],
        ['yahoo', 'cache'],
        ['alphavantage', 'cache'],
      ]),
      JSON.stringify([
        ['fmp', 'fetched'],
        ['yahoo', 'fetched'],
        ['alphavantage', 'fetched'],
      ]),
    ]);
  } finally {
    await mocks.close();
    await fs.rm(root, { recursive: true, force: true });
  }
  // Two children compiling the sources on a loaded machine can take a while.
}, 90_000);
