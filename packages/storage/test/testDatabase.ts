import { randomBytes } from 'node:crypto';
import { connectDatabase, migrate, type Database, type TimescaleMode } from '../src';

/**
 * The server of the PostgreSQL integration tests (storage's and the sink's): TIMESCALE_URL when set (the
 * TimescaleDB lane), else DATABASE_URL, else the local test database. Each test file works in a schema of
 * its own, dropped afterwards, so a shared server is fine.
 */
export const DATABASE_URL =
  process.env.TIMESCALE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** On the TimescaleDB lane the migrations must take the TimescaleDB path: a server without it fails. */
export const TIMESCALE_MODE: TimescaleMode = process.env.TIMESCALE_URL ? 'require' : 'auto';

/** A schema of its own for one test file, and a pool working in it; `drop()` removes both. */
export interface TestSchema {
  schema: string;
  db: Database;
  drop(): Promise<void>;
}

export function testSchema(): TestSchema {
  const schema = `tl_test_${randomBytes(5).toString('hex')}`;
  const db = connectDatabase(DATABASE_URL, { schema, max: 4 });
  return {
    schema,
    db,
    async drop() {
      await db.none(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.$pool.end();
    },
  };
}

/** Registers a migrated schema for the whole test file; read `current()` inside tests. */
export function useMigratedSchema(): { current(): TestSchema } {
  let schema: TestSchema | undefined;
  beforeAll(async () => {
    schema = testSchema();
    await migrate(schema.db, { schema: schema.schema, timescale: TIMESCALE_MODE });
  });
  afterAll(async () => {
    await schema?.drop();
  });
  return {
    current() {
      if (schema === undefined) throw new Error('useMigratedSchema: only inside tests');
      return schema;
    },
  };
}
