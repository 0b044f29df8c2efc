import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StorageError } from '../storageError';
import { writeError } from './atomicWrite';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up (CACHE_LOCKED) after waiting this long. Default 30 s. */
  timeoutMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/**
 * Runs `fn` holding an exclusive cross-process lock: a lock file created with O_EXCL holding the
 * owner's pid and host. A lock whose owner is a dead process on this host is stale and broken; breaking
 * itself is serialised by a second O_EXCL file, so two waiters never both break (and one delete the
 * other's fresh lock). Chosen over proper-lockfile (mtime refreshed by a timer, stale after a timeout)
 * because a pid check frees the lock of a crashed writer at once, with no dependency.
 * Limits: a lock held by another host is never considered stale (the cache is a local directory).
 */
export async function withFileLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  await acquire(lockFile, options.timeoutMs ?? 30_000);
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

async function acquire(lockFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const me: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  await fs.mkdir(path.dirname(lockFile), { recursive: true }).catch((error: unknown) => {
    throw writeError(lockFile, error);
  });
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockFile, JSON.stringify(me))) return;
    const holder = await readHolder(lockFile);
    if (holder !== undefined && isStale(holder)) {
      await breakStale(lockFile, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new StorageError(
        'CACHE_LOCKED',
        `timed out after ${timeoutMs} ms waiting for ${lockFile}, held by ${holder ? `pid ${holder.pid} on ${holder.host} since ${holder.since}` : 'an unknown process'}`,
      );
    }
    await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()));
  }
}

async function tryCreate(file: string, content: string): Promise<boolean> {
  try {
    await fs.writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readHolder(lockFile: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await fs.readFile(lockFile, 'utf8')) as Holder;
  } catch {
    return undefined; // gone meanwhile, or being written: try again
  }
}

function isStale(holder: Holder): boolean {
  if (holder.host !== os.hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function breakStale(lockFile: string, seen: Holder): Promise<void> {
  const breaker = `${lockFile}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    // Someone else is breaking it. A breaker that died mid-way leaves this file: clear it when old.
    const stat = await fs.stat(breaker).catch(() => undefined);
    if (stat !== undefined && Date.now() - stat.mtimeMs > 10_000) await fs.rm(breaker, { force: true });
    return;
  }
  try {
    const current = await readHolder(lockFile);
    if (current !== undefined && current.pid === seen.pid && current.since === seen.since) {
      await fs.rm(lockFile, { force: true });
    }
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
