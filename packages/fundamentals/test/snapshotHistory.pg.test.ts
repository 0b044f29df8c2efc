import { promises as fs } from 'node:fs';
import { useMigratedSchema } from '../../storage/test/testDatabase';
import { PgSnapshotHistory } from '../src/history/snapshotHistory';
import { startMocks, type Mocks } from './support/mocks';
import { mockService, tempRoot } from './support/service';

const pg = useMigratedSchema();
let mocks: Mocks;
let root: string;
beforeEach(async () => {
  mocks = await startMocks();
  root = await tempRoot();
  await pg.current().db.none('TRUNCATE fundamentals_snapshots');
});
afterEach(async () => {
  await mocks.close();
  await fs.rm(root, { recursive: true, force: true });
});

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T14:00:00Z');

it('stores every fetched record and each new combined view; queryable per symbol over time', async () => {
  const history = new PgSnapshotHistory(pg.current().db);
  let now = T0;
  const service = mockService(root, mocks.urls, { history, now: () => now, strategy: 'consensus' });

  const first = await service.getFundamentals('AAPL');
  now = T0 + 4 * DAY; // past the ratios TTL: a second fetch
  const second = await service.getFundamentals('AAPL', { forceRefresh: true });
  now = T0 + 4 * DAY + 1000; // fresh cache: no fetch, nothing new to record
  await service.getFundamentals('AAPL');

  const rows = await history.list('AAPL');
  expect(rows.map((r) => [r.provider, r.fetchedAt - T0])).toEqual([
    ['alphavantage', 4 * DAY],
    ['combined', 4 * DAY],
    ['fmp', 4 * DAY],
    ['yahoo', 4 * DAY],
    ['alphavantage', 0],
    ['combined', 0],
    ['fmp', 0],
    ['yahoo', 0],
  ]);
  // The rows hold what the service served: the same records and the same combination.
  const fmpNow = rows.find((r) => r.provider === 'fmp' && r.fetchedAt === T0 + 4 * DAY);
  expect(fmpNow?.record).toEqual(second.served.find((s) => s.provider === 'fmp')?.snapshot.record);
  expect(fmpNow?.combination).toBeUndefined();
  expect(fmpNow?.qualityScore).toBeGreaterThan(0);
  const combinedThen = rows.find((r) => r.provider === 'combined' && r.fetchedAt === T0);
  expect(combinedThen?.record).toEqual(first.combined.record);
  expect(combinedThen?.combination).toEqual(first.combined.combination);

  const combined = await history.list('AAPL', { provider: 'combined' });
  expect(combined.map((r) => r.fetchedAt)).toEqual([T0 + 4 * DAY, T0]);
  const early = await history.list('AAPL', { to: T0 + DAY });
  expect(early.every((r) => r.fetchedAt === T0)).toBe(true);
  expect(early).toHaveLength(4);
  expect(await history.list('AAPL', { from: T0 + DAY, limit: 2 })).toHaveLength(2);
  expect(await history.list('MSFT')).toEqual([]);
});

it('ignores a repeated insert (retried jobs) and names a bad stored record', async () => {
  const history = new PgSnapshotHistory(pg.current().db);
  const record = {
    symbol: 'IBM',
    asOf: T0,
    currency: 'USD',
    fields: { marketCap: { value: 2e11, source: 'yahoo', fetchedAt: T0 } },
  };
  await history.insert({ symbol: 'IBM', provider: 'yahoo', fetchedAt: T0, record });
  await history.insert({ symbol: 'IBM', provider: 'yahoo', fetchedAt: T0, record });
  expect(await history.list('IBM')).toEqual([{ symbol: 'IBM', provider: 'yahoo', fetchedAt: T0, record }]);

  await pg
    .current()
    .db.none(`UPDATE fundamentals_snapshots SET data = '{"symbol":"IBM"}' WHERE symbol = 'IBM'`);
  await expect(history.list('IBM')).rejects.toThrow(
    /fundamentals_snapshots: bad record IBM\/yahoo at 2026-03-02T14:00:00.000Z/,
  );
});
