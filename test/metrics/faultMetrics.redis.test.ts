import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAggregatorService } from '@tickline/aggregator-service';
import { createBackfillService } from '@tickline/backfill-service';
import { streamKeys } from '@tickline/bus';
import { BinanceRestMock } from '@tickline/history';
import { ingestorService } from '@tickline/ingestor-service';
import { createMonitorService } from '@tickline/monitor-service';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext, waitFor } from '@tickline/testkit';
import { BinanceMockServer, tradePayload } from '@tickline/venues';
import { series } from '../../packages/storage/test/bars';
import { testConfig } from '../../services/backfill/test/support/backfillHarness';
import { READ_TOKEN, startTestGateway, type TestGateway } from '../../services/gateway/test/gatewayHarness';
import { openStream, publishBars, type StreamClient } from '../../services/gateway/test/streamClient';
import { moved, parseExposition } from './catalogue';

// The catalogue's fault metrics (docs/metrics.md: zero in a clean demo) moving on a bad day: a malformed
// frame, a skipped trade id and a dropped connection at the ingestor; a trade hours late and a commit
// fenced by another instance at the aggregator; the gap repaired by backfill against a provider that
// answers 429; dead letters and gaps seen by the monitor; a gateway client that stops reading.

const STREAM = 'btcusdt@trade';
const BASE = Date.UTC(2024, 7, 8, 23, 54);
const BTC = { venue: 'binance', symbol: 'BTCUSDT' } as const;

const ctx = redisTestContext('tlfaultmetrics');
let cacheDir: string;
let mock: BinanceMockServer | undefined;
let rest: BinanceRestMock | undefined;
let app: App | undefined;
let gw: TestGateway | undefined;
let client: StreamClient | undefined;

beforeAll(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-fault-metrics-'));
});
afterAll(async () => {
  client?.ws.terminate();
  await gw?.close();
  await app?.close().catch(() => undefined);
  await mock?.close();
  await rest?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

async function scrape(url: string): Promise<ReturnType<typeof parseExposition>> {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

/** Waits until every named metric has moved (a non-zero sample) on the server at `url`. */
async function untilMoved(url: string, names: readonly string[]): Promise<void> {
  let still: string[] = [...names];
  await waitFor(
    async () => {
      const families = await scrape(url);
      still = names.filter((name) => !moved(families.get(name)));
      return still.length === 0;
    },
    { timeoutMs: 25_000, intervalMs: 200, what: 'the metrics to move' },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message} (still at zero: ${still.join(', ')})`);
  });
}

const trade = (id: number, time = BASE + id * 1000) =>
  tradePayload({ symbol: 'BTCUSDT', id, price: '61837.63', qty: '0.01', time });

test('ingest, aggregator, monitor, backfill and provider fault metrics move on a bad day', async () => {
  mock = await BinanceMockServer.start({ faults: { skipTradeIds: [[5, 6]] } });
  rest = await BinanceRestMock.start({ weightLimit: 200, windowMs: 1000 });
  rest.failNext(100, 429);
  const config = testConfig(
    {
      TICKLINE_PREFIX: ctx.prefix,
      TICKLINE_LOG_LEVEL: 'silent',
      TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
      TICKLINE_BINANCE_WS_URL: mock.url,
      TICKLINE_BINANCE_REST_URL: rest.url,
      TICKLINE_CACHE_DIR: cacheDir,
      DATABASE_URL: '',
    },
    {
      backfill: {
        rules: [{ assetClasses: ['crypto'], timeframes: 'any', providers: ['binance'], adjustment: 'raw' }],
        backoffMs: 50,
        breakerFailures: 1,
        breakerCooldownMs: 600_000,
        repair: { timeframes: ['1m'], delayMs: 0 },
      },
    },
  );
  app = await startApp({
    services: [
      createAggregatorService({ replay: true, timeframes: ['1m'], consumer: 'fault-agg' }),
      ingestorService,
      createBackfillService(),
      createMonitorService({ minReadIntervalMs: 100 }),
    ],
    config,
  });
  const keys = streamKeys(ctx.prefix);
  await mock.waitForSubscription(STREAM);

  // Trade ids 1..12 with 5 and 6 skipped by the mock: a gap from trade ids.
  for (let id = 1; id <= 12; id++) mock.publish(STREAM, trade(id));
  const checkpoint = keys.checkpoint('aggregator', BTC);
  await waitFor(async () => (await ctx.redis.hexists(checkpoint, 'commits')) === 1, {
    what: 'the aggregator to commit',
  });
  // Another instance committed meanwhile (a stale holder's view): the next commit is refused.
  await ctx.redis.hincrby(checkpoint, 'commits', 1);
  mock.publish(STREAM, 'not json'); // a malformed frame: DLQ
  mock.publish(STREAM, trade(13));
  mock.publish(STREAM, trade(14, BASE - 3 * 3_600_000)); // three hours behind the watermark: too late
  // A dropped connection: a reconnect, and a gap for the outage.
  mock.openConnections[0]!.tcp.destroy();
  await waitFor(() => mock!.openConnections.some((c) => c.streams.includes(STREAM)), {
    what: 'the ingestor to reconnect',
  });
  mock.publish(STREAM, trade(15));

  await untilMoved(app.url, [
    'tickline_ingest_rejects_total',
    'tickline_ingest_reconnects_total',
    'tickline_ingest_gaps_total',
    'tickline_aggregator_rejected_total',
    'tickline_aggregator_commit_refusals_total',
    'tickline_gap_entries',
    'tickline_dlq_entries',
    'tickline_backfill_gaps_total',
    'tickline_provider_rate_limit_hits',
    'tickline_provider_breaker_state',
  ]);
  const families = await scrape(app.url);
  const sample = (name: string) => families.get(name)!.samples.map((s) => `${s.labels} ${s.value}`);
  expect(sample('tickline_ingest_rejects_total')).toEqual(['{venue="binance",reason="bad_json"} 1']);
  // The late trade's batch was the refused one: counted again when it was processed again.
  expect(sample('tickline_aggregator_rejected_total')).toEqual([
    expect.stringMatching(/^\{reason="too-late"\} [12]$/),
  ]);
  expect(sample('tickline_provider_breaker_state')).toContain('{provider="binance"} 2'); // open
}, 60_000);

test('gateway queue metrics move for a client that stops reading', async () => {
  gw = await startTestGateway(
    ctx.prefix,
    {},
    { limits: { maxQueuedFrames: 1_000_000, highWaterBytes: 16_384, pingIntervalMs: 60_000 } },
  );
  client = await openStream(gw.url, { token: READ_TOKEN });
  client.send({
    op: 'subscribe',
    id: 'p',
    channel: 'bars',
    instrument: 'binance:BTCUSDT',
    timeframe: '1m',
    partial: true,
  });
  await client.waitFrames((f) => f.type === 'subscribed');
  await new Promise((resolve) => setTimeout(resolve, 100)); // the subscription has read the stream's end
  client.ws.pause(); // reads nothing more: the socket buffers fill, then the gateway's queue
  // Many bars, then partial updates of one bar: queued behind them, each replaces the one before.
  const bars = series(20_000, { from: Date.UTC(2023, 0, 1) });
  await publishBars(ctx.redis, ctx.prefix, bars);
  const last = bars.at(-1)!;
  await publishBars(
    ctx.redis,
    ctx.prefix,
    [1, 2, 3].map((n) => ({ ...last, start: last.start + 60_000, final: false, close: last.close + n })),
  );
  await untilMoved(gw.url, [
    'tickline_gateway_ws_max_queued_frames',
    'tickline_gateway_ws_partials_dropped_total',
  ]);
}, 60_000);
