import { runCli, type CliDeps } from '@tickline/cli';
import type { DatabaseStats } from '@tickline/ops';
import { upsertBars } from '@tickline/storage';
import { waitFor } from '@tickline/testkit';
import { series } from '../../storage/test/bars';
import { DATABASE_URL, useMigratedSchema } from '../../storage/test/testDatabase';

const schema = useMigratedSchema();

async function dbStats(format: 'text' | 'json') {
  let stdout = '';
  let stderr = '';
  const { schema: name } = schema.current();
  const deps: CliDeps = {
    env: { DATABASE_URL: `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}` },
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runServices: () => Promise.resolve(),
  };
  const code = await runCli(['db', 'stats', '--format', format], deps);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return stdout;
}

test('db stats shows each Tickline table with its size and insert counter', async () => {
  const { db } = schema.current();
  await upsertBars(db, series(700));
  await upsertBars(db, series(300, { timeframe: '1h', stepMs: 3_600_000 }));
  // PostgreSQL publishes table counters shortly after commit.
  let stats: DatabaseStats | undefined;
  await waitFor(
    async () => {
      stats = JSON.parse(await dbStats('json')) as DatabaseStats;
      return stats.tables.find((t) => t.table === 'bars_minutes')?.inserted === 700;
    },
    { what: 'insert counters of bars_minutes' },
  );
  const byName = new Map(stats!.tables.map((t) => [t.table, t]));
  expect(byName.get('bars_minutes')).toMatchObject({ inserted: 700, liveRows: 700 });
  expect(byName.get('bars_hours')).toMatchObject({ inserted: 300 });
  expect(byName.get('bars_minutes')!.bytes).toBeGreaterThan(0);
  expect(stats!.hypertables).toBeUndefined();

  const text = await dbStats('text');
  expect(text).toMatch(/^database \w+: \d+(\.\d)? (kB|MB|GB)/);
  expect(text).toMatch(/bars_minutes\s+\d+(\.\d)? (bytes|kB|MB)\s+700\s+700\s+0/);
  expect(text).toMatch(/timescaledb: not installed/);
});
