import * as path from 'node:path';
import type { RunnerOption } from 'node-pg-migrate' with { 'resolution-mode': 'import' };
import type { IDatabase } from 'pg-promise';
import type { ClientBase } from 'pg';
import { StorageError } from '../storageError';
import { loadMigrator } from './loadMigrator';
import type { TimescaleMode } from './timescale';

type MigrationLoader = NonNullable<RunnerOption['migrationLoaderStrategies']>[number]['loader'];
type MigrationUnit = Awaited<ReturnType<Exclude<MigrationLoader, string>>>[number];

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Schema holding Tickline's tables and its `pgmigrations` table; created when missing. Default `public`. */
  schema?: string;
  /** Default `up`. */
  direction?: 'up' | 'down';
  /** How many migrations to run. Default: all pending for `up`, one for `down`. */
  count?: number;
  /** TimescaleDB path: `auto` (default), `off` or `require` (see TimescaleMode). */
  timescale?: TimescaleMode;
  /** Where progress lines go. Default: nowhere. */
  log?: (message: string) => void;
}

/** The migration files ship in dist/migrations beside the compiled code (src/migrations under jest). */
export const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');

// Declarations and source maps sit beside compiled migrations; dotfiles are ignored as by default.
const IGNORE = '(?:\\..*|.*\\.d\\.ts|.*\\.map)';

/**
 * Runs Tickline's migrations on a dedicated connection of `db`. Safe when several processes migrate
 * at once: node-pg-migrate takes a session advisory lock before reading which migrations ran, and we
 * ask it to wait for the lock (its default is to fail), so the second process finds nothing to do.
 * All pending migrations run in one transaction. Returns the names of the migrations run.
 */
export async function migrate(db: IDatabase<unknown>, options: MigrateOptions = {}): Promise<string[]> {
  const { runner } = await loadMigrator();
  const connection = await db.connect();
  const log = options.log ?? (() => undefined);
  try {
    await connection.one("SELECT set_config('tickline.timescale', $1, false)", [options.timescale ?? 'auto']);
    const ran = await runner({
      // pg-promise bundles its own pg typings; node-pg-migrate uses @types/pg. Same client at runtime.
      dbClient: connection.client as unknown as ClientBase,
      dir: MIGRATIONS_DIR,
      ignorePattern: IGNORE,
      migrationLoaderStrategies: [{ extensions: ['.js', '.ts'], loader: requireMigrations }],
      migrationsTable: 'pgmigrations',
      schema: options.schema ?? 'public',
      createSchema: true,
      direction: options.direction ?? 'up',
      ...(options.count === undefined ? {} : { count: options.count }),
      advisoryLockMode: 'wait',
      singleTransaction: true,
      checkOrder: true,
      logger: { debug: log, info: log, warn: log, error: log },
    });
    return ran.map((migration) => migration.name);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'MIGRATION_FAILED',
      `migrating schema ${options.schema ?? 'public'} failed: ${message}`,
      {
        cause: error,
      },
    );
  } finally {
    // The runner changed this session's search_path and settings: never hand it back to the pool.
    void connection.done(true);
  }
}

/** Loads migration files with this module system's require (jest's under test, Node's in production). */
function requireMigrations(filePaths: string[]): Promise<MigrationUnit[]> {
  return Promise.resolve(
    filePaths.map((filePath) => ({
      id: filePath,
      filePaths: [filePath],
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      actions: require(filePath) as MigrationUnit['actions'],
    })),
  );
}
