import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { barView, cacheWrite } from './clientHarness';
import { runSeamScenario } from './seamScenario';
import { tempRoot } from '../../storage/test/tempRoot';

let context: RedisTestContext;
let cache: ReturnType<typeof tempRoot>;

beforeEach(() => {
  context = redisTestContext('tlclient');
  cache = tempRoot();
});
afterEach(async () => {
  await context.cleanup();
  cache.remove();
});

describe('bars() from the file cache while bars are produced', () => {
  it('delivers every final bar from `from` exactly once, in order, across the history/live seam', async () => {
    const outcome = await runSeamScenario(context.prefix, cacheWrite(cache.root), { cacheDir: cache.root });
    expect(outcome.events.map((e) => barView(e.bar))).toEqual(outcome.expected);
    expect(outcome.events.every((e) => e.kind === 'bar')).toBe(true);
    // both sides of the seam were used: history from the cache, the rest live
    expect(outcome.fromHistory).toBeGreaterThanOrEqual(200);
    expect(outcome.fromHistory).toBeLessThan(outcome.expected.length);
  });
});
