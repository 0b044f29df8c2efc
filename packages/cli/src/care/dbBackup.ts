import * as fs from 'node:fs/promises';
import { CliError } from '../cliError';
import { runPgTool } from './pgTools';

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  /** Tables and other objects in the archive, from its table of contents. */
  readonly entries: number;
}

/** Archive entries as `pg_restore --list` reads them (proves the file is a readable custom archive). */
async function archiveEntries(file: string, url: string): Promise<number> {
  const listing = await runPgTool('pg_restore', ['--list', file], url);
  return listing.split('\n').filter((line) => line.trim() !== '' && !line.startsWith(';')).length;
}

/**
 * `pg_dump --format=custom` of the database (or one schema) into `file`, written beside it first and
 * renamed when complete, so an interrupted backup never leaves a file that looks like a good one.
 */
export async function backupDatabase(url: string, file: string, schema?: string): Promise<BackupResult> {
  const partial = `${file}.partial`;
  try {
    await runPgTool(
      'pg_dump',
      ['--format=custom', '--no-owner', `--file=${partial}`, ...(schema ? [`--schema=${schema}`] : [])],
      url,
    );
    const entries = await archiveEntries(partial, url);
    await fs.rename(partial, file);
    return { file, bytes: (await fs.stat(file)).size, entries };
  } finally {
    await fs.rm(partial, { force: true });
  }
}

/**
 * Restores an archive made by {@link backupDatabase}: objects in it are dropped and re-created in one
 * transaction, so a failed restore leaves the database as it was. The archive is checked first.
 */
export async function restoreDatabase(url: string, file: string): Promise<{ entries: number }> {
  await fs.access(file).catch(() => {
    throw new CliError(`backup file ${file} does not exist or cannot be read`, 2);
  });
  const entries = await archiveEntries(file, url).catch((error: unknown) => {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(`${file} is not a readable database backup (custom format): ${why}`, 1);
  });
  await runPgTool(
    'pg_restore',
    ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', file],
    url,
  );
  return { entries };
}
