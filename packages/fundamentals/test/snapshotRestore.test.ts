import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ROLLED_BACK_DIR, SnapshotStore } from '../src/cache/snapshotStore';
import { snapshotFileName } from '../src/cache/snapshotFileName';
import { mapFmp } from '../src/fmp/fmpMapper';
import { FmpProfileSchema } from '../src/fmp/fmpSchemas';
import { fmpRow } from './support/fixtures';
import { tempRoot } from './support/service';

const DAY = 86_400_000;
const T1 = Date.UTC(2025, 0, 1);
const T2 = T1 + DAY;
const T3 = T2 + DAY;

let root: string;
let store: SnapshotStore;
let dir: string;
beforeEach(async () => {
  root = await tempRoot();
  store = new SnapshotStore(root);
  dir = store.dirOf('AAPL');
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

/** An FMP record whose market cap tells the copies apart. */
function copy(fetchedAt: number, marketCap: number, provider = 'fmp') {
  const record = mapFmp({ profile: FmpProfileSchema.parse(fmpRow('fmp/profile_AAPL.json')) }, fetchedAt);
  record.fields.marketCap = { ...record.fields.marketCap!, value: marketCap };
  return { provider, symbol: 'AAPL', fetchedAt, record };
}

const names = async (where: string) =>
  (await fs.readdir(where).catch(() => [])).filter((n) => n.endsWith('.json')).sort();
const marketCapServed = async (provider = 'fmp') =>
  (await store.latestGood('AAPL', provider))?.record.fields.marketCap?.value;

describe('restoring the fundamentals cache to a time', () => {
  it('serves the newest good copy at or before the time again and keeps the later ones aside', async () => {
    for (const [at, cap] of [
      [T1, 1],
      [T2, 2],
      [T3, 3],
    ] as const)
      await store.write(copy(at, cap));
    await store.write(copy(T3, 30, 'combined'));
    expect(await marketCapServed()).toBe(3);

    const outcomes = await store.restore('AAPL', T2 + 1000);

    expect(outcomes).toEqual([
      { provider: 'combined', movedAside: [] },
      { provider: 'fmp', restored: snapshotFileName('fmp', T2), movedAside: [snapshotFileName('fmp', T3)] },
    ]);
    expect(await marketCapServed()).toBe(2);
    expect(await marketCapServed('combined')).toBe(30);
    expect(await names(path.join(dir, ROLLED_BACK_DIR))).toEqual([snapshotFileName('fmp', T3)]);
  });

  it('passes over a corrupt copy to the good one before it', async () => {
    await store.write(copy(T1, 1));
    await store.write(copy(T3, 3));
    await fs.writeFile(path.join(dir, snapshotFileName('fmp', T2)), '{"metadata": trunc');

    const [outcome] = await store.restore('AAPL', T2, { providers: ['fmp'] });

    expect(outcome?.restored).toBe(snapshotFileName('fmp', T1));
    expect(outcome?.movedAside).toEqual([snapshotFileName('fmp', T2), snapshotFileName('fmp', T3)]);
    expect(await marketCapServed()).toBe(1);
  });

  it('takes a copy the cache no longer keeps from the history, else leaves the provider as it was', async () => {
    await store.write(copy(T3, 3));
    const asked: [string, number][] = [];
    const [fromHistory] = await store.restore('AAPL', T2, {
      providers: ['fmp'],
      fromHistory: (provider, at) => {
        asked.push([provider, at]);
        return Promise.resolve(copy(T1, 1));
      },
    });
    expect(asked).toEqual([['fmp', T2]]);
    expect(fromHistory?.restored).toBe(snapshotFileName('fmp', T1));
    expect(await marketCapServed()).toBe(1);

    const [nothing] = await store.restore('AAPL', T1 - DAY, { providers: ['fmp'] });
    expect(nothing).toEqual({ provider: 'fmp', movedAside: [] });
    expect(await names(dir)).toEqual([snapshotFileName('fmp', T1)]);
  });

  it('is undone by moving the rolled-back copies back', async () => {
    await store.write(copy(T1, 1));
    await store.write(copy(T2, 2));
    await store.restore('AAPL', T1);
    expect(await marketCapServed()).toBe(1);
    const aside = path.join(dir, ROLLED_BACK_DIR);
    for (const name of await names(aside)) await fs.rename(path.join(aside, name), path.join(dir, name));
    expect(await marketCapServed()).toBe(2);
  });

  it('keeps rolled-back copies to the cleanup policy when the cache is swept', async () => {
    for (let i = 0; i < 5; i++) await store.write(copy(T1 + i * DAY, i));
    await store.restore('AAPL', T1);
    expect(await names(path.join(dir, ROLLED_BACK_DIR))).toHaveLength(4);

    const report = await store.sweep({ keepGood: 2 });

    expect(report).toEqual([
      {
        symbol: 'AAPL',
        provider: 'fmp',
        deleted: expect.arrayContaining([
          snapshotFileName('fmp', T1 + DAY),
          snapshotFileName('fmp', T1 + 2 * DAY),
        ]),
      },
    ]);
    expect(await names(path.join(dir, ROLLED_BACK_DIR))).toEqual([
      snapshotFileName('fmp', T1 + 3 * DAY),
      snapshotFileName('fmp', T1 + 4 * DAY),
    ]);
    expect(await names(dir)).toEqual([snapshotFileName('fmp', T1)]);
  });
});
