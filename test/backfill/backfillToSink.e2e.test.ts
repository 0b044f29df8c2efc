import { createHistory, AlpacaRestMock, BinanceRestMock } from '@tickline/history';
import { createSinkService } from '@tickline/sink-service';
import { startApp, type App } from '@tickline/runtime';
import { queryBars, readCachedBars } from '@tickline/storage';
import { waitFor } from '@tickline/testkit';
import {
  BackfillQueues,
  bullConnection,
  createBackfillService,
  enqueueBackfill,
  type RequestSummary,
} from '@tickline/backfill-service';
import type { TicklineConfig } from '@tickline/config';
import { useSinkStores } from '../sink/sinkHarness';
import {
  DAY,
  ohlcvOf,
  servedBars,
  T0,
  testConfig,
} from '../../services/backfill/test/support/backfillHarness';

// Acceptance: backfilled bars reach PostgreSQL and the file cache through the sink, exactly as served.
const stores = useSinkStores('tlbfsink');
let binance: BinanceRestMock;
let alpaca: AlpacaRestMock;
let config: TicklineConfig;
let app: App;
let queues: BackfillQueues;

beforeEach(async () => {
  binance = await BinanceRestMock.start({ weightLimit: 40, windowMs: 1000 });
  alpaca = await AlpacaRestMock.start({ apiKey: 'k', apiSecret: 's' });
  config = testConfig(
    {
      TICKLINE_PREFIX: stores.ctx.prefix,
      TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
      TICKLINE_CACHE_DIR: stores.cache.root,
      DATABASE_URL: stores.schema.url,
      TICKLINE_BINANCE_REST_URL: binance.url,
      TICKLINE_ALPACA_REST_URL: alpaca.url,
    },
    {
      backfill: {
        // The mock's own window is aligned; our sliding one, with a margin, stays inside it.
        limits: { binance: [{ limit: 40, windowMs: 1000, marginMs: 300 }] },
        breakerFailures: 2,
        backoffMs: 50,
      },
    },
  );
  app = await startApp({
    services: [
      createSinkService({ timeframes: ['1m'], consumer: 'test-sink' }),
      createBackfillService({ repair: false }),
    ],
    config,
  });
  queues = new BackfillQueues(bullConnection(config, 'test'), stores.ctx.prefix);
});
afterEach(async () => {
  await app.close();
  await queues.close();
  queues.connection.disconnect();
  await binance.close();
  await alpaca.close();
  await stores.schema.db.none('TRUNCATE bars_minutes');
});

async function backfill(days: number): Promise<RequestSummary> {
  const { router } = createHistory(config, { redis: stores.ctx.redis, prefix: stores.ctx.prefix });
  const { id } = await enqueueBackfill(queues, router, config.backfill, {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: T0,
    to: T0 + days * DAY,
  });
  await waitFor(async () => (await (await queues.requests.getJob(id))?.getState()) === 'completed', {
    timeoutMs: 60000,
    what: 'backfill request completed',
  });
  return (await queues.requests.getJob(id))!.returnvalue as RequestSummary;
}

const query = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + 30 * DAY } as const;

async function stored(count: number) {
  await waitFor(async () => (await queryBars(stores.schema.db, query)).length >= count, {
    timeoutMs: 30000,
    what: `${count} bars in PostgreSQL`,
  });
  return queryBars(stores.schema.db, query);
}

test('30 days of 1m BTCUSDT from the Binance mock land in PostgreSQL and the cache exactly as served, zero 429s', async () => {
  const summary = await backfill(30);
  expect(summary).toMatchObject({ bars: 43_200, chunks: 44, sources: ['binance:raw'], failovers: [] });
  const rows = await stored(43_200);
  expect(rows).toHaveLength(43_200);
  expect(ohlcvOf(rows)).toEqual(servedBars('BTCUSDT', '1m', T0, T0 + 30 * DAY));
  expect(rows.every((bar) => bar.source === 'binance:raw' && bar.final && bar.revision === 0)).toBe(true);
  await waitFor(async () => (await readCachedBars(stores.cache.root, query)).length === 43_200, {
    timeoutMs: 20000,
    what: 'the cache holding every bar',
  });
  expect(await readCachedBars(stores.cache.root, query)).toEqual(rows);
  expect(binance.limits).toMatchObject({ count429: 0, count418: 0 });
  expect(binance.stats.requests).toBe(44);
}, 90000);

test('a primary answering 500s hands the work to the next provider, and the bars say so', async () => {
  binance.failNext(1000, 500);
  const summary = await backfill(1);
  expect(summary.failovers).toEqual(['binance']);
  expect(summary.sources).toEqual(['alpaca:raw']);
  const rows = await stored(1440);
  expect(new Set(rows.map((bar) => bar.source))).toEqual(new Set(['alpaca:raw']));
  expect(rows.map((bar) => bar.start)).toEqual(servedBars('BTCUSDT', '1m', T0, T0 + DAY).map((b) => b.start));
  expect(alpaca.stats.requests).toBeGreaterThan(0);
}, 60000);
