import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { readCachedBarChunks, readCachedBars, writeCachedBars, yearFile } from '../src';
import { bar, series, T0 } from './bars';
import { tempRoot } from './tempRoot';

let cache: ReturnType<typeof tempRoot>;
beforeEach(() => (cache = tempRoot()));
afterEach(() => cache.remove());

const QUERY = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + 1e11 } as const;

async function chunksOf(query: Parameters<typeof readCachedBarChunks>[1]) {
  const chunks = [];
  for await (const chunk of readCachedBarChunks(cache.root, query)) chunks.push(chunk);
  return chunks;
}

test('an ascending year file comes in slices, across years in order, joined equal to readCachedBars', async () => {
  // 20,000 minutes from late December: two year files, the first sliced.
  const bars = series(20_000, { from: Date.UTC(2023, 11, 25) });
  await writeCachedBars(cache.root, bars);
  const query = { ...QUERY, from: bars[5]!.start, to: bars[19_990]!.start };
  const chunks = await chunksOf(query);
  expect(chunks.length).toBeGreaterThan(2);
  expect(chunks.flat()).toEqual(bars.slice(5, 19_990));
  expect(await readCachedBars(cache.root, query)).toEqual(bars.slice(5, 19_990));
});

test('a file out of order, with a duplicate, is merged by precedence into one chunk', async () => {
  const file = yearFile(cache.root, 'BTCUSDT', '1m', 2024);
  await fs.mkdir(file.slice(0, file.lastIndexOf('/')), { recursive: true });
  const rows = [
    'timestamp,open,high,low,close,volume,revision',
    '2024-01-01 00:02:00,1,2,0.5,1.5,10,0',
    '2024-01-01 00:00:00,1,2,0.5,1.5,10,0',
    '2024-01-01 00:02:00,1,2,0.5,1.75,10,1',
  ];
  await fs.writeFile(file, await promisify(zlib.gzip)(`${rows.join('\n')}\n`));
  const chunks = await chunksOf(QUERY);
  expect(chunks).toHaveLength(1);
  expect(chunks[0]!.map((b) => [b.start, b.close])).toEqual([
    [T0, 1.5],
    [T0 + 120_000, 1.75],
  ]);
});

test('a year file holding bars of the next year is refused with its name', async () => {
  await writeCachedBars(cache.root, [bar({ start: Date.UTC(2025, 0, 1) })]);
  const next = yearFile(cache.root, 'BTCUSDT', '1m', 2025);
  await fs.copyFile(next, yearFile(cache.root, 'BTCUSDT', '1m', 2024));
  await expect(readCachedBars(cache.root, QUERY)).rejects.toThrow(
    /2025\.csv\.gz holds bars that belong before/,
  );
});
