import type pgPromise from 'pg-promise';

let instance: pgPromise.IMain | undefined;

/**
 * pg-promise wants one instance per process; every Tickline database object comes from it. Made on first
 * use: loading pg-promise and pg costs about 0.07 s, which reading the file cache alone never needs.
 */
export function pgp(): pgPromise.IMain {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  instance ??= (require('pg-promise') as typeof pgPromise)({ capSQL: true });
  return instance;
}

/** A pool of connections, as pg-promise gives it. */
export type Database = pgPromise.IDatabase<unknown>;

/** Options of {@link connectDatabase}. */
export interface DatabaseOptions {
  /** Schema every connection of the pool works in (its search_path). Default: the server's (`public`). */
  schema?: string;
  /** Pool size. Default 10. */
  max?: number;
  /** Name shown in pg_stat_activity. Default `tickline`. */
  applicationName?: string;
}

/**
 * A connection pool for `url`. The schema is set at connection start-up (`-c search_path=...`), so
 * the application's SQL never names a schema and tests can each own one.
 */
export function connectDatabase(url: string, options: DatabaseOptions = {}): Database {
  return pgp()({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'tickline',
    ...(options.schema === undefined ? {} : { options: `-c search_path=${quoteSchema(options.schema)}` }),
  });
}

function quoteSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
    throw new Error(
      `schema name must be a plain identifier (letters, digits, _), got ${JSON.stringify(schema)}`,
    );
  }
  return schema;
}
