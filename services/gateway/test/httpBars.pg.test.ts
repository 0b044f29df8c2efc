import { upsertBars } from '@tickline/storage';
import { redisTestContext } from '@tickline/testkit';
import { series } from '../../../packages/storage/test/bars';
import { DATABASE_URL, useMigratedSchema } from '../../../packages/storage/test/testDatabase';
import { bearer, call, cliBarsJson, READ_TOKEN, startTestGateway, type TestGateway } from './gatewayHarness';
import { openStream } from './streamClient';

const schema = useMigratedSchema();
const ctx = redisTestContext('tlgwpg');
const T0 = Date.UTC(2024, 8, 2);
let gw: TestGateway;
let url: string;

beforeAll(async () => {
  const { db, schema: name } = schema.current();
  const bars = series(240, { from: T0 });
  // A revision and an open bar: the database keeps both, /v1/bars shows final bars only.
  await upsertBars(db, [
    ...bars,
    { ...bars[10]!, revision: 1, close: 101 },
    { ...bars[0]!, start: T0 + 240 * 60_000, final: false },
  ]);
  url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  gw = await startTestGateway(ctx.prefix, { DATABASE_URL: url });
});
afterAll(async () => {
  await gw.close();
  await ctx.cleanup();
});

test('GET /v1/bars reads the database by default and answers what `tickline bars --source db` prints', async () => {
  const range = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: String(T0),
    to: String(T0 + 6 * 3600_000),
  };
  const reply = await call(`${gw.url}/v1/bars?${new URLSearchParams(range).toString()}`, {
    headers: bearer(READ_TOKEN),
  });
  expect(reply.status).toBe(200);
  expect(reply.body.query).toMatchObject({ source: 'db' });
  const expected = await cliBarsJson({ DATABASE_URL: url }, { ...range, source: 'db' });
  expect(reply.body.bars).toEqual(expected);
  expect(reply.body.bars).toHaveLength(240);
  expect(reply.body.bars[10]).toMatchObject({ revision: 1, close: 101 });
});

test('a /v1/stream subscription from the database delivers the stored final bars, the revision as the bar', async () => {
  const client = await openStream(gw.url, { token: READ_TOKEN });
  client.send({
    op: 'subscribe',
    id: 'db',
    channel: 'bars',
    instrument: 'binance:BTCUSDT',
    timeframe: '1m',
    from: T0,
    source: 'database',
  });
  const frames = await client.waitFrames((f) => f.type === 'bar', 240);
  expect(frames.map((f) => Date.parse(f.bar!.start))).toEqual(series(240, { from: T0 }).map((b) => b.start));
  expect(frames.every((f) => f.origin === 'history' && f.kind === 'bar')).toBe(true);
  expect(frames[10]!.bar).toMatchObject({ revision: 1, close: 101 });
  client.ws.terminate();
});
