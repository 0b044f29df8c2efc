import { promises as fs } from 'node:fs';
import {
  queryBars,
  readCachedBars,
  repairCache,
  upsertBars,
  verifyCache,
  writeCachedBars,
  yearFile,
} from '../src';
import { bar, series, T0 } from './bars';
import { tempRoot } from './tempRoot';
import { useMigratedSchema } from './testDatabase';

const schema = useMigratedSchema();
let dir: ReturnType<typeof tempRoot>;
beforeEach(async () => {
  dir = tempRoot();
  await schema.current().db.none('TRUNCATE bars_minutes');
});
afterEach(() => dir.remove());

const RANGE = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  timeframe: '1m',
  from: T0 - 86_400_000,
  to: T0 + 86_400_000,
} as const;

test('the same bars through the database and through the cache read back identical', async () => {
  const bars = [
    ...series(500, { from: T0 - 250 * 60_000 }),
    bar({ start: T0 + 600 * 60_000, source: 'binance-klines', revision: 2 }),
  ];
  await upsertBars(schema.current().db, bars);
  await writeCachedBars(dir.root, bars);
  const fromDb = await queryBars(schema.current().db, RANGE);
  expect(fromDb).toHaveLength(501);
  expect(await readCachedBars(dir.root, RANGE)).toEqual(fromDb);
});

test('repair restores every row of a damaged file from the database', async () => {
  const bars = series(2000);
  await upsertBars(schema.current().db, bars);
  await writeCachedBars(dir.root, bars);
  const file = yearFile(dir.root, 'BTCUSDT', '1m', 2024);
  const data = await fs.readFile(file);
  await fs.writeFile(file, data.subarray(0, 100));
  expect((await verifyCache(dir.root)).bad.map((b) => b.problems[0]?.code)).toEqual(['truncated']);

  const actions = await repairCache(dir.root, ({ symbol, timeframe, from, to }) =>
    queryBars(schema.current().db, { venue: 'binance', symbol, timeframe, from, to }),
  );
  expect(actions).toEqual([
    expect.objectContaining({
      file,
      sourceRows: 2000,
      writtenRows: 2000,
      problems: [expect.stringMatching(/^truncated: gzip: unexpected end of file/)],
    }),
  ]);
  expect(await readCachedBars(dir.root, RANGE)).toEqual(await queryBars(schema.current().db, RANGE));
  expect((await verifyCache(dir.root)).bad).toEqual([]);
});
