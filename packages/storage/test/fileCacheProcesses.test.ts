import { fork, spawn } from 'node:child_process';
import * as os from 'node:os';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCachedBars, verifyCache, withFileLock } from '../src';
import { T0 } from './bars';
import { tempRoot } from './tempRoot';

let dir: ReturnType<typeof tempRoot>;
beforeEach(() => {
  dir = tempRoot();
});
afterEach(() => dir.remove());

function runChild(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'fixtures', script), args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

test('two processes writing the same year file at once lose nothing', async () => {
  const perProcess = 60;
  const codes = await Promise.all([
    runChild('cacheWriterChild.js', [dir.root, '0', String(perProcess)]),
    runChild('cacheWriterChild.js', [dir.root, String(perProcess), String(perProcess)]),
  ]);
  expect(codes).toEqual([0, 0]);
  const bars = await readCachedBars(dir.root, {
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: T0,
    to: T0 + 86_400_000,
  });
  expect(bars.map((bar) => (bar.start - T0) / 60_000)).toEqual([...Array(2 * perProcess).keys()]);
  expect(await verifyCache(dir.root)).toEqual({ checked: 1, bad: [] });
  const leftovers = (await fs.readdir(path.join(dir.root, 'ohlcv/BTCUSDT/1m'))).filter((name) =>
    name.startsWith('.'),
  );
  expect(leftovers).toEqual([]);
}, 60_000);

test('a lock left by a killed process is broken at once; a live holder makes others wait', async () => {
  const lock = path.join(dir.root, '.x.lock');
  // A process that has exited: its pid is free (reuse within the test is practically impossible).
  const child = spawn(process.execPath, ['-e', '']);
  const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
  await fs.writeFile(lock, JSON.stringify({ pid: deadPid, host: os.hostname(), since: 'then' }));
  expect(await withFileLock(lock, () => Promise.resolve('got it'), { timeoutMs: 2000 })).toBe('got it');

  const order: string[] = [];
  let release!: () => void;
  const first = withFileLock(lock, () => {
    order.push('first in');
    return new Promise<void>((resolve) => (release = resolve)).then(() => order.push('first out'));
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const second = withFileLock(lock, () => Promise.resolve(order.push('second in')));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(order).toEqual(['first in']);
  release();
  await Promise.all([first, second]);
  expect(order).toEqual(['first in', 'first out', 'second in']);
  await expect(
    withFileLock(lock, () => withFileLock(lock, () => Promise.resolve(), { timeoutMs: 100 })),
  ).rejects.toThrow(/timed out after 100 ms waiting for .*held by pid \d+/);
});
