import type { TicklineConfig } from '@tickline/config';
import type { Command } from 'commander';
import { CliError } from '../cliError';
import type { CliDeps } from '../program';
import { backupDatabase, restoreDatabase } from './dbBackup';

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

/** The `db` command made by the storage commands, to add care subcommands to. */
function dbCommand(program: Command): Command {
  const db = program.commands.find((command) => command.name() === 'db');
  if (db === undefined) throw new Error('the db command must be registered before the care commands');
  return db;
}

/** `tickline db backup|restore`: pg_dump custom-format archives. */
export function addCareCommands(program: Command, deps: CliDeps, getConfig: () => TicklineConfig): void {
  const db = dbCommand(program);
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
}
