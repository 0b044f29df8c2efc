import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../storageError';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Replaces `file` with `data` so that a reader sees the old file or the new one, never a part: write a
 * temporary file in the same directory, fsync it, rename it over the target, fsync the directory. On
 * any failure the temporary file is removed and the target is untouched. A full disk is a
 * `CACHE_DISK_FULL` error naming the file.
 */
export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    await syncDir(dir);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw writeError(file, error);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function writeError(file: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (DISK_FULL.has(code)) {
    return new StorageError(
      'CACHE_DISK_FULL',
      `no space left to write ${file} (${code}); the previous version of the file is intact. Free space on the cache device and retry`,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('CACHE_WRITE_FAILED', `could not write ${file}: ${message}`, { cause: error });
}
