import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../storageError';

/*
 * The cache never follows a symbolic link below its root (docs/storage.md, "Symbolic links"): a linked
 * symbol or timeframe directory, a year file or metadata file that is a link, are refused with
 * CACHE_SYMLINK naming the link and its target, and the target is never opened. The root itself may be
 * a link (it is configuration, not cache content). `cache verify` lists every link as a problem.
 */

// O_NONBLOCK: a FIFO planted as a year file must not block the open; it is then refused as not a file.
const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const WRITE_NO_FOLLOW = constants.O_RDWR | constants.O_NOFOLLOW;

/** CACHE_SYMLINK for the link at `file`, naming its target (read with readlink, never opened). */
export async function symlinkError(file: string): Promise<StorageError> {
  const target = await fs.readlink(file).catch(() => '?');
  return new StorageError(
    'CACHE_SYMLINK',
    `${file} is a symbolic link (to ${target}); the cache never follows links: replace it with the real file or directory, or remove it (tickline cache verify lists them)`,
  );
}

/**
 * Checks with lstat each directory from below `root` down to `dir`: CACHE_SYMLINK for a link, CACHE_BAD_PATH
 * for something that is not a directory or a `dir` outside the root; false when one does not exist.
 */
export async function checkCacheDirs(root: string, dir: string): Promise<boolean> {
  const relative = path.relative(root, dir);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new StorageError('CACHE_BAD_PATH', `${dir} is outside the cache root ${root}`);
  }
  let current = root;
  for (const part of relative === '' ? [] : relative.split(path.sep)) {
    current = path.join(current, part);
    const stat = await fs.lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stat === undefined) return false;
    if (stat.isSymbolicLink()) throw await symlinkError(current);
    if (!stat.isDirectory()) throw new StorageError('CACHE_BAD_PATH', `${current} is not a directory`);
  }
  return true;
}

/** Whether `file` exists, by lstat: CACHE_SYMLINK when it is a link (its directories are the caller's). */
export async function cacheFileExists(file: string): Promise<boolean> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat?.isSymbolicLink()) throw await symlinkError(file);
  return stat !== undefined;
}

/**
 * The bytes of a regular file of the cache, opened with O_NOFOLLOW: CACHE_SYMLINK when it is a link,
 * CACHE_BAD_PATH when it is not a regular file, undefined when it does not exist. Its directories are
 * the caller's to check (checkCacheDirs), once per read rather than once per file.
 */
export async function readCacheFile(file: string): Promise<Buffer | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, READ_NO_FOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw await linkOr(file, error);
  }
  try {
    if (!(await handle.stat()).isFile()) {
      throw new StorageError('CACHE_BAD_PATH', `${file} is not a regular file`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Opens a cache file for writing in place (an append, a truncation) without following a link:
 * CACHE_SYMLINK when it is one.
 */
export async function openForWrite(file: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, WRITE_NO_FOLLOW);
  } catch (error) {
    throw await linkOr(file, error);
  }
}

/** O_NOFOLLOW fails with ELOOP on Linux and macOS, EMLINK on FreeBSD: CACHE_SYMLINK when it was a link. */
async function linkOr(file: string, error: unknown): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ELOOP' && code !== 'EMLINK') return error;
  const stat = await fs.lstat(file).catch(() => undefined);
  return stat?.isSymbolicLink() ? symlinkError(file) : error;
}

/** Before writing `files` (in one directory): CACHE_SYMLINK when a directory on the way or a file is a link. */
export async function refuseLinks(root: string, files: readonly string[]): Promise<void> {
  await checkCacheDirs(root, path.dirname(files[0]!));
  for (const file of files) await cacheFileExists(file);
}
