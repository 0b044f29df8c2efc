import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { healYearFiles, readCachedBars, verifyCache, writeCachedBars, yearFile } from '../src';
import { series, T0 } from './bars';
import { tempRoot } from './tempRoot';

const query = { symbol: 'BTCUSDT', timeframe: '1m', from: 0, to: Date.UTC(2030, 0, 1) } as const;
let cache: ReturnType<typeof tempRoot>;
beforeEach(() => (cache = tempRoot()));
afterEach(() => cache.remove());

async function cutInHalf(bars = series(5000)): Promise<string> {
  await writeCachedBars(cache.root, bars);
  const file = yearFile(cache.root, 'BTCUSDT', '1m', new Date(T0).getUTCFullYear());
  const bytes = await fs.readFile(file);
  await fs.writeFile(file, bytes.subarray(0, bytes.length >> 1));
  return file;
}

test('without a source, a damaged file is quarantined and a new one holds its readable rows; the rest is reported lost', async () => {
  const bars = series(5000);
  const file = await cutInHalf(bars);
  const cut = await fs.readFile(file);
  const now = Date.UTC(2026, 11, 8, 0, 1, 2, 345);
  const [action, ...more] = await healYearFiles(cache.root, series(1, { from: T0 + 6000 * 60_000 }), {
    now: () => now,
  });
  expect(more).toEqual([]);
  const kept = action!.salvagedRows;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(5000);
  expect(action).toMatchObject({
    file,
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    action: 'quarantined',
    quarantinedAs: `${file}.damaged-20261208T000102.345Z`,
    writtenRows: kept,
    lost: [{ from: bars[kept]!.start, to: bars[4999]!.start + 60_000 }],
  });
  expect(action!.problems).toEqual([expect.stringMatching(/^truncated: /)]);
  expect(await fs.readFile(action!.quarantinedAs!)).toEqual(cut);
  expect(await readCachedBars(cache.root, query)).toEqual(bars.slice(0, kept));
  expect((await verifyCache(cache.root)).bad).toEqual([]);
  // The new file takes writes again, the quarantined one is left as it is.
  await writeCachedBars(cache.root, bars.slice(kept));
  expect(await readCachedBars(cache.root, query)).toEqual(bars);
  expect(await fs.readFile(action!.quarantinedAs!)).toEqual(cut);
});

test('a file with nothing readable is quarantined whole: the hole is what its metadata said it held', async () => {
  const bars = series(10);
  await writeCachedBars(cache.root, bars);
  const file = yearFile(cache.root, 'BTCUSDT', '1m', new Date(T0).getUTCFullYear());
  await fs.writeFile(file, 'not a gzip stream');
  const [action] = await healYearFiles(cache.root, bars);
  expect(action).toMatchObject({ action: 'quarantined', salvagedRows: 0, writtenRows: 0 });
  expect(action!.lost).toEqual([{ from: T0, to: T0 + 10 * 60_000 }]);
  expect((await fs.readdir(path.dirname(file))).filter((name) => !name.startsWith('.'))).toEqual([
    path.basename(action!.quarantinedAs!),
  ]);
});

test('with a source, a damaged file is repaired from it as cache repair does; nothing is lost', async () => {
  const bars = series(5000);
  await cutInHalf(bars);
  const [action] = await healYearFiles(cache.root, bars.slice(-1), {
    rowsFrom: ({ from, to }) => Promise.resolve(bars.filter((bar) => bar.start >= from && bar.start < to)),
  });
  expect(action).toMatchObject({ action: 'repaired', sourceRows: 5000, writtenRows: 5000, lost: [] });
  expect(action!.quarantinedAs).toBeUndefined();
  expect(await readCachedBars(cache.root, query)).toEqual(bars);
  expect((await verifyCache(cache.root)).bad).toEqual([]);
});

test('files that are not damaged are left alone', async () => {
  const bars = series(10);
  await writeCachedBars(cache.root, bars);
  const file = yearFile(cache.root, 'BTCUSDT', '1m', new Date(T0).getUTCFullYear());
  const before = await fs.readFile(file);
  expect(await healYearFiles(cache.root, bars)).toEqual([]);
  expect(await fs.readFile(file)).toEqual(before);
});
