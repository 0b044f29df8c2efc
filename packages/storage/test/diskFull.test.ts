import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCachedBars, StorageError, writeCachedBars } from '../src';
import { series, T0 } from './bars';
import { tempRoot } from './tempRoot';

// A cache root on a 64 KiB tmpfs. Needs root (mount); skipped with a message otherwise.

let dir: ReturnType<typeof tempRoot>;
let mounted = false;
beforeAll(() => {
  dir = tempRoot();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir.root], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    console.warn(
      `disk-full test skipped: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`,
    );
  }
});
afterAll(() => {
  if (mounted) execFileSync('umount', [dir.root]);
  dir.remove();
});

/** Bars with random prices, so gzip cannot shrink them below the device size. */
function noisy(count: number, from: number) {
  return series(count, { from }).map((bar) => {
    const open = 100 + Math.random() * 1000;
    return {
      ...bar,
      open,
      high: open + Math.random(),
      low: open - Math.random(),
      close: open + Math.random() - 0.5,
      vwap: open,
      volume: Math.random() * 50,
    };
  });
}

test('a full device gives CACHE_DISK_FULL naming the file, keeps the previous file whole, leaves no temp file', async () => {
  if (!mounted) return;
  const small = noisy(50, T0);
  await writeCachedBars(dir.root, small);
  const file = path.join(dir.root, 'ohlcv/BTCUSDT/1m/2024.csv.gz');
  const before = await fs.readFile(file);

  const error = await writeCachedBars(dir.root, noisy(4000, T0 + 50 * 60_000)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe('CACHE_DISK_FULL');
  expect((error as StorageError).retryable).toBe(true);
  expect((error as Error).message).toMatch(
    /no space left to write .*2024\.csv\.gz \(ENOSPC\); the previous version of the file is intact/,
  );

  expect(await fs.readFile(file)).toEqual(before);
  expect(execFileSync('zcat', [file], { encoding: 'utf8' }).split('\n')).toHaveLength(52);
  expect(
    await readCachedBars(dir.root, { symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + 86_400_000 }),
  ).toEqual(small);
  const all = await fs.readdir(dir.root, { recursive: true });
  expect(all.filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'))).toEqual([]);
});
