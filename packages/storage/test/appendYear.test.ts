import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { describeYear, type YearMetadata } from '../src/cache/cacheMetadata';
import { formatCsv } from '../src/cache/csvCodec';
import { tailBars } from '../src/cache/yearFileIo';
import { readCachedBars, verifyCache, writeCachedBars, yearFile } from '../src';
import { bar, series, T0 } from './bars';
import { tempRoot } from './tempRoot';

let dir: ReturnType<typeof tempRoot>;
let fresh: ReturnType<typeof tempRoot>;
beforeEach(() => {
  dir = tempRoot();
  fresh = tempRoot();
});
afterEach(() => {
  dir.remove();
  fresh.remove();
});

const QUERY = { symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + 1e10 } as const;
const file = (root: string) => yearFile(root, 'BTCUSDT', '1m', 2024);
const metadata = async (root: string) =>
  JSON.parse(await fs.readFile(file(root).replace('.csv.gz', '.metadata.json'), 'utf8')) as YearMetadata;

test('live batches append gzip members: zcat, readers and verify see one file; a later merge compacts it', async () => {
  const bars = series(300);
  const batches = [bars.slice(0, 100), bars.slice(100, 101), bars.slice(105, 300)]; // a gap of 4 bars
  const kept = [...bars.slice(0, 101), ...bars.slice(105)];
  for (const batch of batches) await writeCachedBars(dir.root, batch);
  await writeCachedBars(fresh.root, kept);
  const appended = await fs.readFile(file(dir.root));
  expect(appended.equals(await fs.readFile(file(fresh.root)))).toBe(false); // three members, not one
  expect(execFileSync('zcat', [file(dir.root)], { encoding: 'utf8' })).toBe(
    execFileSync('zcat', [file(fresh.root)], { encoding: 'utf8' }),
  );
  expect(await readCachedBars(dir.root, QUERY)).toEqual(kept);
  expect((await verifyCache(dir.root)).bad).toEqual([]);
  const whole = describeYear(
    kept,
    { symbol: 'BTCUSDT', timeframe: '1m', year: 2024, venue: 'binance' },
    appended.length,
    undefined,
    new Date(),
  );
  const meta = await metadata(dir.root);
  expect(meta.file_info).toEqual(whole.file_info);
  expect([meta.start_date, meta.end_date, meta.data_quality]).toEqual([
    whole.start_date,
    whole.end_date,
    whole.data_quality,
  ]);

  // Filling the hole is not an append: the file is rewritten as one member, as if written at once.
  await writeCachedBars(dir.root, bars.slice(101, 105));
  await writeCachedBars(fresh.root, bars.slice(101, 105));
  expect((await fs.readFile(file(dir.root))).equals(await fs.readFile(file(fresh.root)))).toBe(true);
  expect(await readCachedBars(dir.root, QUERY)).toEqual(bars);
});

test('a member cut short by a killed writer is dropped before the next append; its bars come again', async () => {
  const bars = series(60);
  await writeCachedBars(dir.root, bars.slice(0, 30));
  const good = await fs.readFile(file(dir.root));
  await writeCachedBars(dir.root, bars.slice(30, 45));
  const cut = await fs.readFile(file(dir.root));
  await fs.writeFile(file(dir.root), cut.subarray(0, cut.length - 7)); // no metadata was written for it
  await fs.writeFile(
    file(dir.root).replace('.csv.gz', '.metadata.json'),
    JSON.stringify(await metadataOf(good)),
  );
  await writeCachedBars(dir.root, bars.slice(30));
  expect(await readCachedBars(dir.root, QUERY)).toEqual(bars);
  expect((await verifyCache(dir.root)).bad).toEqual([]);

  async function metadataOf(data: Buffer) {
    await writeCachedBars(fresh.root, bars.slice(0, 30));
    expect((await fs.readFile(file(fresh.root))).equals(data)).toBe(true);
    return metadata(fresh.root);
  }
});

test('a complete member without its metadata (killed in between) is merged, not appended again', async () => {
  const bars = series(40);
  await writeCachedBars(dir.root, bars.slice(0, 20));
  const meta = await fs.readFile(file(dir.root).replace('.csv.gz', '.metadata.json'));
  await writeCachedBars(dir.root, bars.slice(20, 30));
  await fs.writeFile(file(dir.root).replace('.csv.gz', '.metadata.json'), meta);
  await writeCachedBars(dir.root, bars.slice(20));
  expect(await readCachedBars(dir.root, QUERY)).toEqual(bars);
  expect((await verifyCache(dir.root)).bad).toEqual([]);
});

test('a date-only file takes midnight bars as an append and others by a rewrite in full timestamps', async () => {
  const day = (i: number) => bar({ timeframe: '1h', start: T0 + i * 86_400_000 });
  const q = { ...QUERY, timeframe: '1h' } as const;
  const hourly = yearFile(dir.root, 'BTCUSDT', '1h', 2024);
  await writeCachedBars(dir.root, [day(0)]);
  await writeCachedBars(dir.root, [day(1)]);
  expect(execFileSync('zcat', [hourly], { encoding: 'utf8' }).split('\n').slice(1, 3)).toEqual([
    expect.stringMatching(/^2024-01-01,/),
    expect.stringMatching(/^2024-01-02,/),
  ]);
  const late = bar({ timeframe: '1h', start: T0 + 2 * 86_400_000 + 3_600_000 });
  await writeCachedBars(dir.root, [late]);
  expect(execFileSync('zcat', [hourly], { encoding: 'utf8' }).split('\n')[1]).toMatch(
    /^2024-01-01 00:00:00,/,
  );
  expect(await readCachedBars(dir.root, q)).toEqual([day(0), day(1), late]);
});

test('a replayed batch overlapping the tail appends only its new bars; a replay of stored bars writes nothing', async () => {
  const bars = series(150);
  await writeCachedBars(dir.root, bars.slice(0, 100));
  const before = await fs.readFile(file(dir.root));
  expect((await writeCachedBars(dir.root, bars.slice(40, 100))).filesWritten).toEqual([]);
  expect((await fs.readFile(file(dir.root))).equals(before)).toBe(true);
  await writeCachedBars(dir.root, bars.slice(50, 150));
  const after = await fs.readFile(file(dir.root));
  expect(after.subarray(0, before.length).equals(before)).toBe(true); // the first member untouched
  expect(await readCachedBars(dir.root, QUERY)).toEqual(bars);
  expect((await metadata(dir.root)).file_info.rows).toBe(150);
});

test('tailBars gives the rows from a time on, for any time; nothing when the rows are out of order', () => {
  const bars = series(50);
  const text = formatCsv(bars);
  const context = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', defaultSource: 'x' } as const;
  for (const from of [T0 - 1, T0, T0 + 1, T0 + 17 * 60_000, T0 + 49 * 60_000, T0 + 50 * 60_000]) {
    expect(tailBars('f', text, context, from)).toEqual(bars.filter((b) => b.start >= from));
  }
  expect(tailBars('f', formatCsv([bars[1]!, bars[0]!]), context, T0)).toBeUndefined();
});

test('an append to a file damaged in its first block is CACHE_CORRUPT naming the file (the sink heals that code)', async () => {
  await writeCachedBars(dir.root, series(10));
  const bytes = await fs.readFile(file(dir.root));
  bytes.fill(0xff, bytes.length >> 1, (bytes.length >> 1) + 16); // the size still matches the metadata
  await fs.writeFile(file(dir.root), bytes);
  await expect(writeCachedBars(dir.root, series(1, { from: T0 + 60 * 60_000 }))).rejects.toMatchObject({
    name: 'StorageError',
    code: 'CACHE_CORRUPT',
    message: expect.stringContaining(file(dir.root)),
  });
});
