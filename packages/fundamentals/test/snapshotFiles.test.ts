import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { planCleanup, type CacheEntry } from '../src/cache/cleanupPlan';
import { decodeSnapshot, encodeSnapshot, parseNaiveUtc } from '../src/cache/snapshotBody';
import { parseSnapshotFileName, snapshotFileName } from '../src/cache/snapshotFileName';
import { SnapshotStore } from '../src/cache/snapshotStore';
import { mapFmp } from '../src/fmp/fmpMapper';
import { FmpProfileSchema } from '../src/fmp/fmpSchemas';
import { fmpRow } from './support/fixtures';
import { tempRoot } from './support/service';

// Whole seconds in years 0000-9999, the range the name's four-digit year can hold.
const seconds = fc.integer({ min: -62_167_219_200, max: 253_402_300_799 }).map((s) => s * 1000);
const provider = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);

describe('cache file names', () => {
  it('round-trip any provider (underscores included) and time, parsed from the right', () => {
    fc.assert(
      fc.property(provider, seconds, (name, time) => {
        const parsed = parseSnapshotFileName(snapshotFileName(name, time));
        expect(parsed?.fileProvider).toBe(name);
        expect(parsed?.timestamp).toBe(time);
      }),
    );
  });

  it("maps the old system's provider names and skips locks, temporaries and impossible times", () => {
    expect(parseSnapshotFileName('alpha_vantage_20250106_143107.json')).toEqual({
      fileProvider: 'alpha_vantage',
      provider: 'alphavantage',
      timestamp: Date.UTC(2025, 0, 6, 14, 31, 7),
    });
    expect(parseSnapshotFileName('yfinance_20250106_143022.json')?.provider).toBe('yahoo');
    for (const name of [
      '.fetch.lock',
      '.fmp_20250106_143022.json.123.ab.tmp',
      'fmp_20250230_120000.json',
      'alpha_vantage_20250106_143067.json',
      'fmp.json',
    ]) {
      expect(parseSnapshotFileName(name)).toBeUndefined();
    }
  });
});

describe('cleanup plan (properties)', () => {
  const entry = fc.record({
    timestamp: fc.integer({ min: 0, max: 1000 }),
    good: fc.boolean(),
    mtimeMs: fc.integer({ min: 0, max: 200_000 }),
  });
  const entries = fc
    .uniqueArray(entry, { selector: (e) => e.timestamp, maxLength: 12 })
    .map((list) => list.map((e, i): CacheEntry => ({ ...e, name: `p_${i}` })));

  it('never deletes the newest good copy, whatever the newer corrupt files', () => {
    fc.assert(
      fc.property(entries, fc.integer({ min: 1, max: 4 }), (list, keepGood) => {
        const doomed = new Set(planCleanup(list, 300_000, { keepGood }));
        const good = list.filter((e) => e.good).sort((a, b) => b.timestamp - a.timestamp);
        if (good.length > 0) expect(doomed.has(good[0]!.name)).toBe(false);
        const keptGood = good.filter((e) => !doomed.has(e.name)).length;
        expect(keptGood).toBe(Math.min(keepGood, good.length));
      }),
    );
  });

  it('leaves young corrupt files (an old-system writer may be mid-write) and removes settled ones', () => {
    const list: CacheEntry[] = [
      { name: 'new-corrupt', timestamp: 3, good: false, mtimeMs: 99_000 },
      { name: 'old-corrupt', timestamp: 2, good: false, mtimeMs: 0 },
      { name: 'good', timestamp: 1, good: true, mtimeMs: 0 },
    ];
    expect(planCleanup(list, 100_000)).toEqual(['old-corrupt']);
  });
});

describe('snapshot bodies', () => {
  const record = mapFmp(
    { profile: FmpProfileSchema.parse(fmpRow('fmp/profile_AAPL.json')) },
    Date.UTC(2025, 1, 24, 9, 0, 0, 250),
  );

  it('decode what they encode, with the old layout alongside for old readers', () => {
    const text = encodeSnapshot({ provider: 'fmp', symbol: 'AAPL', fetchedAt: record.asOf, record });
    const body = JSON.parse(text);
    expect(body.metadata).toEqual({
      provider: 'fmp',
      symbol: 'AAPL',
      timestamp: '2025-02-24T09:00:00.250',
      cache_version: '1.0',
      data_quality_score: 0.2,
    });
    expect(body.fundamentals.market_cap).toBe(3500823120000);
    const decoded = decodeSnapshot(text, 0);
    expect(decoded.record).toEqual(record);
    expect(decoded.fetchedAt).toBe(record.asOf);
    expect(decoded.legacy).toBe(false);
  });

  it('read naive timestamps as UTC, with any fraction length', () => {
    expect(parseNaiveUtc('2025-01-06T14:30:22.123456')).toBe(Date.UTC(2025, 0, 6, 14, 30, 22, 123));
    expect(parseNaiveUtc('2025-01-06T14:30:22')).toBe(Date.UTC(2025, 0, 6, 14, 30, 22));
    expect(parseNaiveUtc('2025-01-06T14:30:22.5+01:00')).toBe(Date.UTC(2025, 0, 6, 13, 30, 22, 500));
    expect(parseNaiveUtc('yesterday')).toBeUndefined();
  });

  it('refuse bodies that are not fundamentals files, saying why', () => {
    expect(() => decodeSnapshot('{"metadata":{', 0)).toThrow('not JSON');
    expect(() => decodeSnapshot('{"rows":[]}', 0)).toThrow(/not a fundamentals cache body/);
  });
});

describe('cache sweep', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempRoot();
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('leaves exactly the newest good copy per provider in every symbol, old-system files included', async () => {
    await fs.cp(path.join(__dirname, 'fixtures', 'legacy-cache'), root, { recursive: true });
    const aapl = path.join(root, 'fundamentals', 'AAPL');
    const legacy = await fs.readFile(path.join(aapl, 'yfinance_20250106_143022.json'), 'utf8');
    await fs.writeFile(path.join(aapl, 'yfinance_20250101_000000.json'), legacy);
    await fs.writeFile(path.join(aapl, 'yfinance_20250201_000000.json'), '{"metadata": trunc');
    await fs.mkdir(path.join(root, 'fundamentals', 'MSFT'));
    await fs.writeFile(path.join(root, 'fundamentals', 'MSFT', 'fmp_20250101_000000.json'), 'not json');
    const store = new SnapshotStore(root);
    const report = await store.sweep({ keepGood: 1, corruptGraceMs: 0 });
    expect(report).toEqual([
      {
        symbol: 'AAPL',
        provider: 'yahoo',
        deleted: expect.arrayContaining(['yfinance_20250101_000000.json', 'yfinance_20250201_000000.json']),
      },
      { symbol: 'MSFT', provider: 'fmp', deleted: ['fmp_20250101_000000.json'] },
    ]);
    expect((await fs.readdir(aapl)).sort()).toEqual([
      'alpha_vantage_20250106_143107.json',
      'combined_20250106_143110.json',
      'yfinance_20250106_143022.json',
    ]);
  });
});
