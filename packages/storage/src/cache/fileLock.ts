import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StorageError } from '../storageError';
import { writeError } from './atomicWrite';
import { readCacheFile } from './cacheFiles';

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
 * Runs `fn` holding an exclusive cross-process lock: a lock file holding the owner's pid and host,
 * published whole by link(2) (which fails if the name exists), so a kill -9 never leaves an empty lock
 * nobody can judge. A lock whose owner is a dead process on this host is stale and broken, and so is one
 * that stays unreadable (written by an older version) for {@link UNREADABLE_STALE_MS}; breaking itself
 * is serialised by a second such file, so two waiters never both break (and one delete the other's
 * fresh lock). Chosen over proper-lockfile (mtime refreshed by a timer, stale after a timeout)
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
    const seen = await readLock(lockFile);
    const holder = seen?.holder;
    if (seen !== undefined && isStale(seen) && (await breakStale(lockFile, seen))) continue;
    if (Date.now() >= deadline) {
      throw new StorageError(
        'CACHE_LOCKED',
        `timed out after ${timeoutMs} ms waiting for ${lockFile}, held by ${holder ? `pid ${holder.pid} on ${holder.host} since ${holder.since}` : 'an unknown process'}`,
      );
    }
    await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()));
  }
}

const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** How long a lock file may stay unreadable before it counts as abandoned. */
export const UNREADABLE_STALE_MS = 5_000;

/**
 * Creates `file` holding `content`, or returns false if it exists. The content goes to a temporary file
 * first and is hard-linked to the name, so the name never appears empty; a kill between the two
 * leaves only a `.tmp` file, which `tickline cache verify` reports and `repair` deletes.
 */
async function tryCreate(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, content, { flag: 'wx' });
    await fs.link(temp, file).catch(async (error: NodeJS.ErrnoException) => {
      // A file system without hard links: create in place (an empty lock then ages out as unreadable).
      if (!NO_LINKS.has(error.code ?? '')) throw error;
      await fs.writeFile(file, content, { flag: 'wx' });
    });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** A lock file as seen once: its holder (undefined when unreadable) and its identity on disk. */
interface SeenLock {
  readonly holder: Holder | undefined;
  readonly ino: number;
  readonly mtimeMs: number;
}

async function readLock(lockFile: string): Promise<SeenLock | undefined> {
  try {
    const stat = await fs.lstat(lockFile);
    let holder: Holder | undefined;
    try {
      // Never through a link (a lock linked to a FIFO blocked this read for good): a link is unreadable.
      holder = JSON.parse((await readCacheFile(lockFile))?.toString('utf8') ?? '') as Holder;
    } catch {
      holder = undefined;
    }
    return { holder, ino: stat.ino, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined; // gone meanwhile: try again
  }
}

function sameLock(a: SeenLock, b: SeenLock): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs;
}

function isStale({ holder, mtimeMs }: SeenLock): boolean {
  if (holder === undefined) return Date.now() - mtimeMs > UNREADABLE_STALE_MS;
  if (holder.host !== os.hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Deletes the stale lock if it is still the one seen; true when this call broke it. */
async function breakStale(lockFile: string, seen: SeenLock): Promise<boolean> {
  const breaker = `${lockFile}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    // Someone else is breaking it. A breaker that died mid-way leaves this file: clear it when old.
    const stat = await fs.stat(breaker).catch(() => undefined);
    if (stat !== undefined && Date.now() - stat.mtimeMs > 10_000) await fs.rm(breaker, { force: true });
    return false;
  }
  try {
    const current = await readLock(lockFile);
    if (current === undefined || !sameLock(current, seen)) return false;
    await fs.rm(lockFile, { force: true });
    return true;
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
