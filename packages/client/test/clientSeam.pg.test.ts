import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { barView, databaseWrite } from './clientHarness';
import { runSeamScenario } from './seamScenario';
import { DATABASE_URL, useMigratedSchema } from '../../storage/test/testDatabase';

const schema = useMigratedSchema();
let context: RedisTestContext;

beforeEach(() => {
  context = redisTestContext('tlclient');
});
afterEach(() => context.cleanup());

describe('bars() from PostgreSQL while bars are produced', () => {
  it('delivers every final bar from `from` exactly once, in order, across the history/live seam', async () => {
    const { db, schema: name } = schema.current();
    const outcome = await runSeamScenario(context.prefix, databaseWrite(db), {
      databaseUrl: DATABASE_URL,
      databaseSchema: name,
    });
    expect(outcome.events.map((e) => barView(e.bar))).toEqual(outcome.expected);
    expect(outcome.events.every((e) => e.kind === 'bar')).toBe(true);
    expect(outcome.fromHistory).toBeGreaterThanOrEqual(200);
    expect(outcome.fromHistory).toBeLessThan(outcome.expected.length);
  });
});
