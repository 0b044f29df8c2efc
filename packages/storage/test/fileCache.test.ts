import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  readCachedBars,
  repairCache,
  StorageError,
  statsFile,
  symbolsFile,
  verifyCache,
  writeCachedBars,
  yearFile,
} from '../src';
import { bar, series, T0 } from './bars';
import { tempRoot } from './tempRoot';

let dir: ReturnType<typeof tempRoot>;
beforeEach(() => {
  dir = tempRoot();
});
afterEach(() => dir.remove());

const YEAR = {
  symbol: 'BTCUSDT',
  timeframe: '1m',
  from: Date.UTC(2023, 0, 1),
  to: Date.UTC(2025, 0, 1),
} as const;
const file2024 = () => yearFile(dir.root, 'BTCUSDT', '1m', 2024);

test('round trip: what is written reads back equal, split by UTC year, in the documented layout', async () => {
  const bars = series(20, { from: T0 - 10 * 60_000 }); // 10 bars in 2023, 10 in 2024
  const result = await writeCachedBars(dir.root, [...bars].reverse());
  expect(result.filesWritten.map((f) => path.relative(dir.root, f)).sort()).toEqual([
    'ohlcv/BTCUSDT/1m/2023.csv.gz',
    'ohlcv/BTCUSDT/1m/2024.csv.gz',
  ]);
  expect(await readCachedBars(dir.root, YEAR)).toEqual(bars);
  expect(await readCachedBars(dir.root, { ...YEAR, from: bars[5]!.start, to: bars[15]!.start })).toEqual(
    bars.slice(5, 15),
  );

  const text = execFileSync('zcat', [file2024()], { encoding: 'utf8' });
  expect(text.split('\n')[0]).toBe(
    'timestamp,open,high,low,close,volume,trades,vwap,quality,source,revision,quality_flags',
  );
  expect(text.split('\n')[1]).toMatch(/^2024-01-01 00:00:00,/);
  const meta = JSON.parse(readFileSync(file2024().replace('.csv.gz', '.metadata.json'), 'utf8'));
  expect(meta).toMatchObject({
    symbol: 'BTCUSDT',
    timeframe: '1m',
    year: 2024,
    data_source: 'binance',
    start_date: '2024-01-01 00:00:00',
    end_date: '2024-01-01 00:09:00',
    file_info: { format: 'csv.gz', rows: 10, size_bytes: readFileSync(file2024()).length },
    provider_info: { name: 'live' },
  });
  const symbols = JSON.parse(readFileSync(symbolsFile(dir.root), 'utf8'));
  expect(symbols.BTCUSDT['1m']['2024']).toMatchObject({ provider: 'live', rows: 10 });
  expect(JSON.parse(readFileSync(statsFile(dir.root), 'utf8'))).toMatchObject({ files_count: 2 });
  expect(await verifyCache(dir.root)).toEqual({ checked: 2, bad: [] });
});

test('the same bars again leave every file byte-identical; merging follows the precedence rule', async () => {
  const bars = series(5);
  await writeCachedBars(dir.root, bars);
  const before = readFileSync(file2024());
  const metaBefore = readFileSync(file2024().replace('.csv.gz', '.metadata.json'));
  expect((await writeCachedBars(dir.root, bars)).filesWritten).toEqual([]);
  expect(readFileSync(file2024())).toEqual(before);
  expect(readFileSync(file2024().replace('.csv.gz', '.metadata.json'))).toEqual(metaBefore);

  await writeCachedBars(dir.root, [bar({ source: 'binance-klines', close: 1 })]); // provider loses to live
  await writeCachedBars(dir.root, [bar({ final: false, close: 2 })]); // partial bars are not cached
  expect((await readCachedBars(dir.root, YEAR))[0]).toEqual(bars[0]);
  await writeCachedBars(dir.root, [bar({ source: 'binance-klines', revision: 1, close: 3 })]); // a repair wins
  const after = await readCachedBars(dir.root, YEAR);
  expect(after).toHaveLength(5);
  expect(after[0]).toMatchObject({ close: 3, revision: 1, source: 'binance-klines' });
});

test('one source per file: bars of another venue are refused', async () => {
  await writeCachedBars(dir.root, [bar()]);
  await expect(writeCachedBars(dir.root, [bar({ venue: 'alpaca' })])).rejects.toThrow(
    /holds binance bars; refusing to mix in alpaca/,
  );
});

test('an unreadable year file is an error, never overwritten with only the new rows', async () => {
  await writeCachedBars(dir.root, series(100));
  const good = readFileSync(file2024());
  await fs.writeFile(file2024(), good.subarray(0, good.length - 30));
  const error = await writeCachedBars(dir.root, [bar({ start: T0 + 500 * 60_000 })]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe('CACHE_CORRUPT');
  expect((error as Error).message).toContain(file2024());
  expect(readFileSync(file2024()).length).toBe(good.length - 30);
  await expect(readCachedBars(dir.root, YEAR)).rejects.toThrow(/is not a readable gzip file/);
});

test('verify finds a truncated file and a corrupted byte; repair restores every row from the source', async () => {
  const bars = series(3000);
  const eth = bars.map((b) => ({ ...b, symbol: 'ETHUSDT' }));
  await writeCachedBars(dir.root, [...bars, ...eth]);
  const btc = file2024();
  const ethFile = yearFile(dir.root, 'ETHUSDT', '1m', 2024);
  const original = readFileSync(btc);
  await fs.writeFile(btc, original.subarray(0, Math.floor(original.length / 2))); // truncated
  const damaged = Buffer.from(readFileSync(ethFile));
  damaged[damaged.length - 8]! ^= 0x01; // one bit of the stored CRC32: the data no longer checks
  await fs.writeFile(ethFile, damaged);

  const report = await verifyCache(dir.root);
  expect(report.checked).toBe(2);
  expect(report.bad.map((b) => [b.file, b.problems.map((p) => p.code)])).toEqual([
    [btc, ['truncated']],
    [ethFile, ['corrupt']],
  ]);

  const source = new Map([
    ['BTCUSDT', bars],
    ['ETHUSDT', eth],
  ]);
  const actions = await repairCache(dir.root, ({ symbol, from, to }) =>
    Promise.resolve((source.get(symbol) ?? []).filter((b) => b.start >= from && b.start < to)),
  );
  expect(actions.map((a) => [a.file, a.sourceRows, a.writtenRows])).toEqual([
    [btc, 3000, 3000],
    [ethFile, 3000, 3000],
  ]);
  expect(actions[0]!.salvagedRows).toBeGreaterThan(0); // the readable half was kept
  expect(await verifyCache(dir.root)).toEqual({ checked: 2, bad: [] });
  expect(await readCachedBars(dir.root, YEAR)).toEqual(bars);
  expect(await readCachedBars(dir.root, { ...YEAR, symbol: 'ETHUSDT' })).toEqual(eth);
});

test('verify reports rows out of order, duplicates, and metadata that disagrees', async () => {
  await writeCachedBars(dir.root, series(3));
  const lines = zlib.gunzipSync(readFileSync(file2024())).toString().trimEnd().split('\n');
  const shuffled = [lines[0], lines[2], lines[1], lines[1], lines[3]].join('\n') + '\n';
  await fs.writeFile(file2024(), zlib.gzipSync(shuffled));
  const [found] = (await verifyCache(dir.root)).bad;
  expect(found!.problems.map((p) => p.code)).toEqual(['out_of_order', 'duplicates', 'metadata_mismatch']);
  expect(found!.problems[2]!.detail).toMatch(/rows 3 vs 4 in the file/);
});

test('symbols with a slash get one directory; a broken symbols.json is rebuilt, not reset', async () => {
  await writeCachedBars(dir.root, [bar({ symbol: 'BTC/USD', venue: 'alpaca' })]);
  expect(readFileSync(yearFile(dir.root, 'BTC/USD', '1m', 2024)).length).toBeGreaterThan(0);
  expect(yearFile(dir.root, 'BTC/USD', '1m', 2024)).toContain('BTC%2FUSD');
  await fs.writeFile(symbolsFile(dir.root), '{"half');
  await writeCachedBars(dir.root, [bar({ symbol: 'ETHUSDT' })]);
  const symbols = JSON.parse(readFileSync(symbolsFile(dir.root), 'utf8')) as object;
  expect(Object.keys(symbols).sort()).toEqual(['BTC/USD', 'ETHUSDT']);
});
