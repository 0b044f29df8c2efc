import { AlpacaRestMock, createHistory } from '@tickline/history';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext, waitFor, type RedisTestContext } from '@tickline/testkit';
import { msgpackCodec, streamKeys } from '@tickline/bus';
import type { Bar } from '@tickline/core';
import { BackfillQueues, bullConnection, createBackfillService, enqueueBackfill } from '../src';
import { DAY, testConfig } from './support/backfillHarness';

// No provider serves equity 1w (they label weeks by New York midnight): the backfill fetches the
// session days and rolls them up onto Tickline's Monday-UTC grid.
let ctx: RedisTestContext;
let alpaca: AlpacaRestMock;
let app: App;

beforeAll(async () => {
  ctx = redisTestContext('tlbfrollup');
  alpaca = await AlpacaRestMock.start({ apiKey: 'key', apiSecret: 'secret' });
});
afterAll(async () => {
  await app?.close();
  await alpaca.close();
  await ctx.cleanup();
});

test('equity 1w is rolled up from the 1d bars a provider serves, one bar per Monday-UTC week', async () => {
  const config = testConfig({
    TICKLINE_PREFIX: ctx.prefix,
    TICKLINE_ALPACA_REST_URL: alpaca.url,
    APCA_API_KEY_ID: 'key',
    APCA_API_SECRET_KEY: 'secret',
  });
  app = await startApp({ services: [createBackfillService({ repair: false })], config });
  const queues = new BackfillQueues(bullConnection(config, 'test'), ctx.prefix);
  try {
    const monday = Date.UTC(2026, 0, 5);
    const { router } = createHistory(config, { redis: ctx.redis, prefix: ctx.prefix });
    const queued = await enqueueBackfill(queues, router, config.backfill, {
      venue: 'alpaca',
      symbol: 'AAPL',
      timeframe: '1w',
      from: monday,
      to: monday + 21 * DAY,
    });
    expect(queued.fetchTimeframe).toBe('1d');
    await waitFor(async () => (await (await queues.requests.getJob(queued.id))?.getState()) === 'completed', {
      timeoutMs: 20000,
    });
    const read = async (tf: string) => {
      const entries = await ctx.redis.xrangeBuffer(
        streamKeys(ctx.prefix).bars({ venue: 'alpaca', symbol: 'AAPL' }, tf),
        '-',
        '+',
      );
      return entries.flatMap(([, fields]) => msgpackCodec.decode(fields[fields.length - 1]!) as Bar[]);
    };
    const weeks = await read('1w');
    expect(weeks.map((bar) => bar.start)).toEqual([0, 7, 14].map((d) => monday + d * DAY));
    expect(await read('1d')).toEqual([]); // the days were only the rollup's input
    // Each week from its five session days, fetched once more here straight from the router.
    const { bars: days } = await router.fetchRange({
      instrument: { venue: 'alpaca', symbol: 'AAPL', assetClass: 'equity' },
      timeframe: '1d',
      from: monday,
      to: monday + 21 * DAY,
    });
    for (const week of weeks) {
      const inWeek = days.filter((d) => d.start >= week.start && d.start < week.start + 7 * DAY);
      expect(inWeek).toHaveLength(5);
      expect(week).toMatchObject({
        open: inWeek[0]!.open,
        close: inWeek.at(-1)!.close,
        high: Math.max(...inWeek.map((d) => d.high)),
        low: Math.min(...inWeek.map((d) => d.low)),
        volume: inWeek.reduce((sum, d) => sum + d.volume, 0),
        final: true,
        source: 'alpaca:split',
      });
    }
  } finally {
    await queues.close();
    queues.connection.disconnect();
  }
});
