import { randomBytes } from 'node:crypto';
import { connectDatabase, migrate, type Database } from '../src';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
    await migrate(schema.db, { schema: schema.schema });
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
