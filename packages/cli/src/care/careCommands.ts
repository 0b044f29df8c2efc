import type { TicklineConfig } from '@tickline/config';
import { readDatabaseStats } from '@tickline/ops';
import { connectDatabase } from '@tickline/storage';
import { Option, type Command } from 'commander';
import { CliError } from '../cliError';
import type { CliDeps } from '../program';
import { backupCache, restoreCache } from './cacheBackup';
import { backupDatabase, restoreDatabase } from './dbBackup';
import { renderDatabaseStats } from './renderDatabaseStats';

/** The configured database URL, or a clear error naming the variable to set. */
export function requireDatabaseUrl(config: TicklineConfig, what: string): string {
  const url = config.database.url;
  if (url === undefined) {
    throw new CliError(
      `${what} needs PostgreSQL, but DATABASE_URL is not set (nor database.url in the config): ` +
        'set it, e.g. DATABASE_URL=postgres://user@127.0.0.1:5432/tickline',
      2,
    );
  }
  return url;
}

function existingCommand(program: Command, name: string): Command {
  const found = program.commands.find((command) => command.name() === name);
  if (found === undefined) throw new Error(`the ${name} command must be registered before the care commands`);
  return found;
}

/** `tickline db backup|restore` (pg_dump archives) and `tickline cache backup|restore` (tarballs). */
export function addCareCommands(program: Command, deps: CliDeps, getConfig: () => TicklineConfig): void {
  const db = existingCommand(program, 'db');
  db.command('stats')
    .description('sizes and growth per table, slowest statements (pg_stat_statements), TimescaleDB chunks')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: { format: 'text' | 'json' }) => {
      const url = requireDatabaseUrl(getConfig(), 'tickline db stats');
      const database = connectDatabase(url, { max: 1, applicationName: 'tickline-cli' });
      try {
        const stats = await readDatabaseStats(database);
        deps.stdout(
          options.format === 'json' ? `${JSON.stringify(stats, null, 2)}\n` : renderDatabaseStats(stats),
        );
      } finally {
        await database.$pool.end();
      }
    });
  db.command('backup')
    .description('pg_dump the database (or one schema) to a custom-format archive, checked after writing')
    .requiredOption('--out <file>', 'archive to write (replaced only once the new one is complete)')
    .option('--schema <name>', 'only this schema (default: the whole database)')
    .action(async (options: { out: string; schema?: string }) => {
      const url = requireDatabaseUrl(getConfig(), 'tickline db backup');
      deps.stderr(`backing up to ${options.out} ...\n`);
      const result = await backupDatabase(url, options.out, options.schema);
      deps.stdout(`wrote ${result.file}: ${result.bytes} bytes, ${result.entries} archive entries\n`);
    });
  db.command('restore')
    .description('restore an archive from db backup: its objects are replaced in one transaction')
    .requiredOption('--in <file>', 'archive written by tickline db backup')
    .action(async (options: { in: string }) => {
      const url = requireDatabaseUrl(getConfig(), 'tickline db restore');
      deps.stderr(`restoring ${options.in} ...\n`);
      const result = await restoreDatabase(url, options.in);
      deps.stdout(`restored ${result.entries} archive entries from ${options.in}\n`);
    });

  const cache = existingCommand(program, 'cache');
  cache
    .command('backup')
    .description(
      'the whole cache to a gzip tarball with a SHA-256 manifest (consistent while the sink writes)',
    )
    .requiredOption('--out <file>', 'tarball to write, e.g. cache-2026-11-24.tar.gz')
    .action(async (options: { out: string }) => {
      const root = getConfig().cache.dir;
      deps.stderr(`backing up ${root} to ${options.out} ...\n`);
      const manifest = await backupCache(root, options.out);
      const bytes = manifest.files.reduce((sum, file) => sum + file.bytes, 0);
      deps.stdout(`wrote ${options.out}: ${manifest.files.length} files, ${bytes} bytes\n`);
    });
  cache
    .command('restore')
    .description('verify a cache backup against its manifest, then put its files in place (others are kept)')
    .requiredOption('--in <file>', 'tarball written by tickline cache backup')
    .action(async (options: { in: string }) => {
      const root = getConfig().cache.dir;
      deps.stderr(`verifying and restoring ${options.in} into ${root} ...\n`);
      const manifest = await restoreCache(root, options.in);
      deps.stdout(`restored ${manifest.files.length} files into ${root}, every checksum verified\n`);
    });
}
