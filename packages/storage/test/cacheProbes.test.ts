// Issue 22, point 6: the probes against the file cache's readers, replayed on a real file system. The
// cache never follows a symbolic link below its root (the target is never opened), reads only the years
// that exist, and refuses a line over MAX_LINE_LENGTH, each with a clear error, promptly.
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { MAX_LINE_LENGTH, type Bar } from '@tickline/core';
import {
  readCachedBars,
  readCachedBarsCsv,
  repairCache,
  verifyCache,
  writeCachedBars,
  yearFile,
  type CacheQuery,
} from '../src';
import { CACHE_COLUMNS } from '../src/cache/csvCodec';
import { tailBars } from '../src/cache/yearFileIo';
import { series } from './bars';
import { tempRoot } from './tempRoot';

let cache: ReturnType<typeof tempRoot>;
let outside: ReturnType<typeof tempRoot>;
beforeEach(() => {
  cache = tempRoot();
  outside = tempRoot();
});
afterEach(() => {
  jest.restoreAllMocks();
  cache.remove();
  outside.remove();
});

const YEAR_2024 = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2025, 0, 1) };
const query = (timeframe: '1m' | '5m' | '1h', symbol = 'BTCUSDT'): CacheQuery => ({
  symbol,
  timeframe,
  ...YEAR_2024,
});
const bars5m = () => series(4, { timeframe: '5m', stepMs: 300_000 });
const tfDir = (root: string, timeframe: string, symbol = 'BTCUSDT') =>
  path.join(root, 'ohlcv', symbol, timeframe);

/** Every path the cache code passes to open, readFile or readdir from now on. */
function touchedPaths(): string[] {
  const paths: string[] = [];
  for (const name of ['open', 'readFile', 'readdir'] as const) {
    const original = fs[name] as (...args: unknown[]) => unknown;
    jest.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
      paths.push(String(args[0]));
      return original.apply(fs, args);
    }) as never);
  }
  return paths;
}

async function readAll(root: string, q: CacheQuery): Promise<{ bars: Bar[]; csv: string }> {
  const bars = await readCachedBars(root, q);
  let csv = '';
  for await (const piece of readCachedBarsCsv(root, q)) csv += piece;
  return { bars, csv };
}

const symlinkError = (link: string, target: string) => ({
  code: 'CACHE_SYMLINK',
  message: expect.stringContaining(`${link} is a symbolic link (to ${target})`),
});

describe('symbolic links in the cache', () => {
  beforeEach(async () => {
    await writeCachedBars(cache.root, series(3)); // BTCUSDT 1m 2024: the cache's own data
    await writeCachedBars(outside.root, bars5m()); // data outside the root, reachable only by a link
  });

  it('a linked timeframe directory is refused for reads and writes; nothing outside the root is touched', async () => {
    const target = tfDir(outside.root, '5m');
    symlinkSync(target, tfDir(cache.root, '5m'));
    const before = readFileSync(yearFile(outside.root, 'BTCUSDT', '5m', 2024));
    const touched = touchedPaths();
    await expect(readCachedBars(cache.root, query('5m'))).rejects.toMatchObject(
      symlinkError(tfDir(cache.root, '5m'), target),
    );
    await expect(readAll(cache.root, query('5m'))).rejects.toMatchObject({ code: 'CACHE_SYMLINK' });
    await expect(
      writeCachedBars(
        cache.root,
        bars5m().map((b) => ({ ...b, close: 1 })),
      ),
    ).rejects.toMatchObject(symlinkError(tfDir(cache.root, '5m'), target));
    expect(
      touched.filter((p) => p.startsWith(outside.root) || p.startsWith(tfDir(cache.root, '5m'))),
    ).toEqual([]);
    expect(readFileSync(yearFile(outside.root, 'BTCUSDT', '5m', 2024))).toEqual(before);
    expect((await readAll(cache.root, query('1m'))).bars).toHaveLength(3); // the rest of the cache still reads
  });

  it('a linked symbol directory is refused', async () => {
    const target = path.join(outside.root, 'ohlcv', 'BTCUSDT');
    symlinkSync(target, path.join(cache.root, 'ohlcv', 'ETHUSDT'));
    await expect(readCachedBars(cache.root, query('5m', 'ETHUSDT'))).rejects.toMatchObject(
      symlinkError(path.join(cache.root, 'ohlcv', 'ETHUSDT'), target),
    );
  });

  it('a year file linked to /etc/passwd is refused without opening it; a linked metadata file too', async () => {
    const link = yearFile(cache.root, 'BTCUSDT', '1h', 2024);
    await fs.mkdir(path.dirname(link), { recursive: true });
    symlinkSync('/etc/passwd', link);
    const touched = touchedPaths();
    await expect(readAll(cache.root, query('1h'))).rejects.toMatchObject(symlinkError(link, '/etc/passwd'));
    await expect(readCachedBars(cache.root, query('1h'))).rejects.toMatchObject(
      symlinkError(link, '/etc/passwd'),
    );
    expect(touched).not.toContain(link);
    expect(touched).not.toContain('/etc/passwd');

    const metadata = path.join(tfDir(cache.root, '1m'), '2024.metadata.json');
    const fake = path.join(outside.root, 'fake.json');
    writeFileSync(fake, JSON.stringify({ data_source: 'binance' }));
    await fs.rm(metadata);
    symlinkSync(fake, metadata);
    await expect(readCachedBars(cache.root, query('1m'))).rejects.toMatchObject(symlinkError(metadata, fake));
  });

  it('a link to a FIFO, or a FIFO itself, fails at once instead of blocking the reader', async () => {
    const fifo = path.join(outside.root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const link = yearFile(cache.root, 'BTCUSDT', '1h', 2024);
    await fs.mkdir(path.dirname(link), { recursive: true });
    symlinkSync(fifo, link);
    await expect(readCachedBars(cache.root, query('1h'))).rejects.toMatchObject(symlinkError(link, fifo));
    await fs.rm(link);
    execFileSync('mkfifo', [link]);
    await expect(readCachedBars(cache.root, query('1h'))).rejects.toMatchObject({
      code: 'CACHE_BAD_PATH',
      message: `${link} is not a regular file`,
    });
  });

  it('a lock file linked to a FIFO is unreadable, not read: the writer times out instead of blocking', async () => {
    const fifo = path.join(outside.root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, path.join(tfDir(cache.root, '1m'), '.2024.lock'));
    const started = Date.now();
    await expect(writeCachedBars(cache.root, series(4), { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'CACHE_LOCKED',
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cache verify lists every link with its target and does not enter linked directories; repair leaves them', async () => {
    const dirTarget = tfDir(outside.root, '5m');
    const fileTarget = path.join(outside.root, 'passwd-like');
    writeFileSync(fileTarget, 'root:x:0:0:root:/root:/bin/bash\n');
    symlinkSync(dirTarget, tfDir(cache.root, '5m'));
    const fileLink = yearFile(cache.root, 'BTCUSDT', '1m', 2023);
    symlinkSync(fileTarget, fileLink);
    const report = await verifyCache(cache.root);
    expect(report.checked).toBe(1); // the real 1m file only: nothing below the linked 5m directory
    expect(
      report.bad.map(({ file, problems }) => [file, problems.map((p) => `${p.code}: ${p.detail}`)]),
    ).toEqual([
      [
        fileLink,
        [
          expect.stringMatching(
            new RegExp(`^symlink: symbolic link to ${fileTarget}; the cache never follows links`),
          ),
        ],
      ],
      [
        tfDir(cache.root, '5m'),
        [expect.stringMatching(new RegExp(`^symlink: symbolic link to ${dirTarget};`))],
      ],
    ]);
    expect(await repairCache(cache.root, () => Promise.resolve([]))).toEqual([]);
    expect((await fs.lstat(fileLink)).isSymbolicLink()).toBe(true);
    expect(readFileSync(fileTarget, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
  });

  it('a linked ohlcv directory is reported, not entered; the root itself may be a link', async () => {
    const linkedRoot = path.join(outside.root, 'root-link');
    symlinkSync(cache.root, linkedRoot);
    expect((await readCachedBars(linkedRoot, query('1m'))).map((b) => b.start)).toEqual(
      series(3).map((b) => b.start),
    );
    const other = tempRoot();
    try {
      symlinkSync(path.join(outside.root, 'ohlcv'), path.join(other.root, 'ohlcv'));
      const report = await verifyCache(other.root);
      expect(report.checked).toBe(0);
      expect(report.bad.map(({ file, problems }) => [file, problems[0]!.code])).toEqual([
        [path.join(other.root, 'ohlcv'), 'symlink'],
      ]);
      await expect(readCachedBars(other.root, query('5m'))).rejects.toMatchObject({ code: 'CACHE_SYMLINK' });
    } finally {
      other.remove();
    }
  });
});

describe('the year range of a read', () => {
  it('from year -271821 to +275760 lists the directory once and opens only the years on disk', async () => {
    await writeCachedBars(cache.root, [...series(2), ...series(2, { from: Date.UTC(2026, 5, 1) })]);
    const touched = touchedPaths();
    const started = Date.now();
    const everything = { symbol: 'BTCUSDT', timeframe: '1m', from: -8.64e15, to: 8.64e15 } as const;
    const { bars, csv } = await readAll(cache.root, everything);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(bars.map((b) => new Date(b.start).getUTCFullYear())).toEqual([2024, 2024, 2026, 2026]);
    expect(csv.split('\n')).toHaveLength(5);
    const yearFiles = touched.filter((p) => p.endsWith('.csv.gz'));
    expect(new Set(yearFiles)).toEqual(
      new Set([yearFile(cache.root, 'BTCUSDT', '1m', 2024), yearFile(cache.root, 'BTCUSDT', '1m', 2026)]),
    );
    expect(touched.filter((p) => p === tfDir(cache.root, '1m'))).toHaveLength(2); // one readdir per read
    expect(
      await readCachedBars(cache.root, {
        ...everything,
        from: Date.UTC(2025, 0, 1),
        to: Date.UTC(2026, 0, 1),
      }),
    ).toEqual([]);
    expect(await readCachedBars(cache.root, { ...everything, symbol: 'NOPE' })).toEqual([]);
  });
});

describe('line length in cache files', () => {
  it('a year file with a line over the limit is CACHE_CORRUPT naming the file and line; verify reports it', async () => {
    await writeCachedBars(cache.root, series(2));
    const file = yearFile(cache.root, 'BTCUSDT', '1m', 2024);
    const [header, row] = zlib.gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    writeFileSync(file, zlib.gzipSync(`${header}\n${row}\n"${'x'.repeat(MAX_LINE_LENGTH)}"\n`));
    const problem = `${file}:3: line longer than ${MAX_LINE_LENGTH} characters`;
    await expect(readCachedBars(cache.root, query('1m'))).rejects.toMatchObject({
      code: 'CACHE_CORRUPT',
      message: expect.stringContaining(problem),
    });
    await expect(readAll(cache.root, query('1m'))).rejects.toMatchObject({ code: 'CACHE_CORRUPT' });
    const report = await verifyCache(cache.root);
    expect(report.bad).toEqual([
      { file, problems: [{ code: 'bad_rows', detail: expect.stringContaining(problem) as string }] },
    ]);
    const [repaired] = await repairCache(cache.root, () => Promise.resolve([]));
    expect(repaired).toMatchObject({ file, salvagedRows: 1, writtenRows: 1 }); // the row before it is kept
  });
});

describe('scanning a year file is linear', () => {
  it('a run of a million blank lines (a few KB of gzip) does not stall the tail walk of a write', () => {
    const header = CACHE_COLUMNS.join(',');
    const row = '2024-01-01 00:00:00,1,1,1,1,1,1,1,1,live,0,';
    const text = `${header}\n${row}\n${'\n'.repeat(1_000_000)}`;
    const context = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', defaultSource: 'x' } as const;
    const started = Date.now();
    expect(tailBars('f', text, context, Date.UTC(2025, 0, 1))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000); // quadratic: 7.5 s here
  });
});
