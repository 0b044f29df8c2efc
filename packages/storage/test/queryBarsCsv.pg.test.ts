import {
  barsCsvLines,
  queryBars,
  queryBarsCsv,
  readCachedBarsCsv,
  upsertBars,
  writeCachedBars,
} from '../src';
import { awkwardBars } from './awkwardBars';
import { bar, series, T0 } from './bars';
import { tempRoot } from './tempRoot';
import { useMigratedSchema } from './testDatabase';

const schema = useMigratedSchema();
const QUERY = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + 1e10 } as const;

async function join(pieces: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const piece of pieces) text += piece;
  return text;
}

test('queryBarsCsv equals the bars of queryBars formatted, and the cache text of the same bars', async () => {
  const { db } = schema.current();
  // Enough rows for many COPY chunks; awkward numbers; a partial bar (left out with finalOnly).
  const bars = [
    ...series(20_000),
    ...awkwardBars(T0 + 20_000 * 60_000),
    bar({ start: T0 + 30_000 * 60_000, final: false, revision: 2, source: 'polygon' }),
  ];
  await upsertBars(db, bars);
  const stored = await queryBars(db, QUERY);
  expect(await join(queryBarsCsv(db, QUERY))).toBe(barsCsvLines(stored));
  const text = await join(queryBarsCsv(db, QUERY, { finalOnly: true }));
  expect(text).toBe(barsCsvLines(stored.filter((b) => b.final)));
  expect(text.split('\n').length - 1).toBe(bars.length - 1);

  const cache = tempRoot();
  try {
    await writeCachedBars(cache.root, bars);
    expect(await join(readCachedBarsCsv(cache.root, QUERY))).toBe(text);
  } finally {
    cache.remove();
  }
  const part = { ...QUERY, from: T0 + 60_000, to: T0 + 120_000 };
  expect(await join(queryBarsCsv(db, part))).toBe(barsCsvLines([stored[1]!]));
});
