import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { withFileLock } from '../src';
import { UNREADABLE_STALE_MS } from '../src/cache/fileLock';
import { tempRoot } from './tempRoot';

let dir: ReturnType<typeof tempRoot>;
beforeEach(() => {
  dir = tempRoot();
});
afterEach(() => dir.remove());

const take = (lock: string, timeoutMs: number) =>
  withFileLock(lock, () => Promise.resolve('taken'), { timeoutMs });

test('an unreadable lock file is respected while fresh and broken once it has aged', async () => {
  const lock = path.join(dir.root, '.x.lock');
  await fs.writeFile(lock, '');
  await expect(take(lock, 300)).rejects.toMatchObject({ code: 'CACHE_LOCKED' });
  const past = new Date(Date.now() - UNREADABLE_STALE_MS - 1000);
  await fs.utimes(lock, past, past);
  expect(await take(lock, 2000)).toBe('taken');
  await expect(fs.stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
});

test('a process killed with SIGKILL at any moment of taking or releasing a lock never blocks the next taker', async () => {
  const lock = path.join(dir.root, '.y.lock');
  for (let kill = 0; kill < 25; kill++) {
    const child = fork(path.join(__dirname, 'fixtures', 'lockLoopChild.js'), [lock], { stdio: 'inherit' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => child.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 30));
    child.kill('SIGKILL');
    await exited;
    // Whatever the moment, the lock is absent or names its (dead) holder: never empty or half written.
    const text = await fs.readFile(lock, 'utf8').catch(() => undefined);
    if (text !== undefined) expect(JSON.parse(text)).toMatchObject({ pid: child.pid });
    expect(await take(lock, 2000)).toBe('taken');
  }
  const leftovers = (await fs.readdir(dir.root)).filter((name) => !/^\.y\.lock\..*\.tmp$/.test(name));
  expect(leftovers).toEqual([]);
}, 120_000);
