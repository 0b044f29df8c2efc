import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliDeps } from '@tickline/cli';
import { queryBars, upsertBars } from '@tickline/storage';
import { series } from '../../storage/test/bars';
import { DATABASE_URL, useMigratedSchema } from '../../storage/test/testDatabase';

const schema = useMigratedSchema();
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-dbbackup-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    env: { DATABASE_URL },
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runServices: () => Promise.resolve(),
  };
  return { code: await runCli(argv, deps), stdout, stderr };
}

const START = Date.UTC(2026, 0, 5);
const query = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  timeframe: '1m',
  from: START,
  to: START + 86_400_000,
} as const;

test('db backup then restore gives back exactly the rows of the backup, replacing later changes', async () => {
  const { db, schema: name } = schema.current();
  const bars = series(500, { from: START });
  await upsertBars(db, bars);
  const before = await queryBars(db, query);
  expect(before).toHaveLength(500);

  const archive = path.join(dir, 'tickline.dump');
  const backup = await cli(['db', 'backup', '--out', archive, '--schema', name]);
  expect(backup).toMatchObject({ code: 0 });
  expect(backup.stdout).toMatch(new RegExp(`^wrote ${archive}: \\d+ bytes, \\d+ archive entries\\n$`));
  expect(fs.existsSync(`${archive}.partial`)).toBe(false);

  // A bad day after the backup: rows deleted, one changed.
  await db.none(`DELETE FROM bars_minutes WHERE start >= to_timestamp($1 / 1000.0)`, [START + 250 * 60_000]);
  await db.none(`UPDATE bars_minutes SET close = close * 2 WHERE start = to_timestamp($1 / 1000.0)`, [START]);
  expect(await queryBars(db, query)).not.toEqual(before);

  const restore = await cli(['db', 'restore', '--in', archive]);
  expect(restore).toMatchObject({ code: 0, stdout: expect.stringMatching(/^restored \d+ archive entries/) });
  expect(await queryBars(db, query)).toEqual(before);
});

test('a damaged archive is refused before anything is touched', async () => {
  const { db } = schema.current();
  const before = await queryBars(db, query);
  const archive = path.join(dir, 'damaged.dump');
  fs.writeFileSync(archive, Buffer.from('PGDMP this is not really an archive'));
  const result = await cli(['db', 'restore', '--in', archive]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/damaged\.dump is not a readable database backup/);
  expect(await queryBars(db, query)).toEqual(before);

  const missing = await cli(['db', 'restore', '--in', path.join(dir, 'nope.dump')]);
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/nope\.dump does not exist/) });
});
