import { createHistory, BinanceRestMock } from '@tickline/history';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext, waitFor, type RedisTestContext } from '@tickline/testkit';
import type { TicklineConfig } from '@tickline/config';
import {
  BackfillQueues,
  bullConnection,
  createBackfillService,
  enqueueBackfill,
  type RequestSummary,
} from '../src';
import { DAY, ohlcvOf, servedBars, streamBars, T0, testConfig } from './support/backfillHarness';

let ctx: RedisTestContext;
let mock: BinanceRestMock;
let config: TicklineConfig;
let app: App;
let queues: BackfillQueues;

const BINANCE_ONLY = [
  { assetClasses: ['crypto'], timeframes: 'any', providers: ['binance'], adjustment: 'raw' },
];

beforeEach(async () => {
  ctx = redisTestContext('tlbfjobs');
  mock = await BinanceRestMock.start({ weightLimit: 200, windowMs: 1000 });
  config = testConfig(
    { TICKLINE_PREFIX: ctx.prefix, TICKLINE_BINANCE_REST_URL: mock.url },
    {
      backfill: {
        rules: BINANCE_ONLY,
        backoffMs: 50,
        limits: { binance: [{ limit: 200, windowMs: 1000, marginMs: 100 }] },
      },
    },
  );
  app = await startApp({ services: [createBackfillService({ repair: false })], config });
  queues = new BackfillQueues(bullConnection(config, 'test'), ctx.prefix);
  await queues.requests.waitUntilReady();
});
afterEach(async () => {
  await app.close();
  await queues.close();
  queues.connection.disconnect();
  await mock.close();
  await ctx.cleanup();
});

async function enqueue(request: Record<string, unknown>) {
  const { router } = createHistory(config, { redis: ctx.redis, prefix: ctx.prefix });
  return enqueueBackfill(queues, router, config.backfill, {
    venue: 'binance',
    symbol: 'BTCUSDT',
    ...request,
  });
}

async function finished(id: string): Promise<RequestSummary> {
  await waitFor(async () => (await (await queues.requests.getJob(id))?.getState()) === 'completed', {
    timeoutMs: 20000,
    what: `request ${id} completed`,
  });
  return (await queues.requests.getJob(id))!.returnvalue as RequestSummary;
}

describe('backfill jobs on real Redis against the Binance mock', () => {
  it('cuts a request into chunks of one request each and hands exactly the served bars to the bar stream', async () => {
    const to = T0 + 2 * DAY;
    const queued = await enqueue({ timeframe: '1m', from: T0, to });
    expect(queued).toMatchObject({ chunks: 3, fetchTimeframe: '1m', existed: false });
    const summary = await finished(queued.id);
    expect(summary).toMatchObject({ bars: 2880, chunks: 3, sources: ['binance:raw'], rejected: 0 });
    const bars = await streamBars(ctx.redis, ctx.prefix, 'BTCUSDT', '1m');
    expect(ohlcvOf(bars.sort((a, b) => a.start - b.start))).toEqual(servedBars('BTCUSDT', '1m', T0, to));
    expect(bars.every((b) => b.final && b.revision === 0 && b.source === 'binance:raw')).toBe(true);
    // Scored, not stamped: exactly the bars whose vwap lies outside low..high are flagged.
    const inconsistent = bars.filter((b) => b.vwap < b.low || b.vwap > b.high).map((b) => b.start);
    expect(bars.filter((b) => b.quality.score < 1).map((b) => b.start)).toEqual(inconsistent);
    expect(new Set(bars.flatMap((b) => b.quality.flags.map((f) => f.code)))).toEqual(
      new Set(inconsistent.length > 0 ? ['ohlc'] : []),
    );
    expect(mock.stats.requests).toBe(3);

    const again = await enqueue({ timeframe: '1m', from: T0 + 1, to: to - 1 }); // same bars once aligned
    expect(again).toMatchObject({ id: queued.id, existed: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mock.stats.requests).toBe(3);
    expect(await queues.chunks.getJobCounts('waiting', 'active', 'delayed')).toMatchObject({
      waiting: 0,
      active: 0,
      delayed: 0,
    });
  });

  it('retries a chunk after 500s (exponential backoff) and still lands every bar', async () => {
    mock.failNext(2, 500);
    const queued = await enqueue({ timeframe: '5m', from: T0, to: T0 + DAY });
    const summary = await finished(queued.id);
    expect(summary.bars).toBe(288);
    expect(mock.stats.byStatus[500]).toBe(2);
    const chunk = (await queues.chunks.getJobs(['completed']))[0]!;
    expect(chunk.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(ohlcvOf(await streamBars(ctx.redis, ctx.prefix, 'BTCUSDT', '5m'))).toEqual(
      servedBars('BTCUSDT', '5m', T0, T0 + DAY),
    );
  });

  it('rolls a higher timeframe up from 1m when asked, on the target grid', async () => {
    const queued = await enqueue({ timeframe: '1h', from: T0, to: T0 + 6 * 3_600_000, rollupFrom: '1m' });
    expect(queued.fetchTimeframe).toBe('1m');
    await finished(queued.id);
    const bars = await streamBars(ctx.redis, ctx.prefix, 'BTCUSDT', '1h');
    expect(bars.map((b) => b.start)).toEqual([0, 1, 2, 3, 4, 5].map((h) => T0 + h * 3_600_000));
    for (const bar of bars) {
      const minutes = servedBars('BTCUSDT', '1m', bar.start, bar.start + 3_600_000);
      expect(bar).toMatchObject({
        open: minutes[0]!.open,
        close: minutes.at(-1)!.close,
        high: Math.max(...minutes.map((m) => m.high)),
        low: Math.min(...minutes.map((m) => m.low)),
        trades: minutes.reduce((sum, m) => sum + m.trades, 0),
        final: true,
        source: 'binance:raw',
      });
    }
  });

  it('exposes provider and queue metrics for Prometheus', async () => {
    mock.failNext(1, 500);
    const queued = await enqueue({ timeframe: '1h', from: T0, to: T0 + DAY });
    await finished(queued.id);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^tickline_provider_requests_total\{provider="binance",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^tickline_provider_requests_total\{provider="binance",outcome="failed"\} 1$/m);
    expect(text).toMatch(
      /^tickline_provider_request_duration_seconds_count\{provider="binance",outcome="ok"\} 1$/m,
    );
    expect(text).toMatch(/^tickline_provider_breaker_state\{provider="binance"\} 0$/m);
    expect(text).toMatch(/^tickline_provider_rate_limit_hits\{provider="binance"\} 0$/m);
    expect(text).toMatch(/^tickline_backfill_queue_jobs\{queue="backfill-requests",state="completed"\} 1$/m);
    expect(text).toMatch(
      /^tickline_backfill_job_duration_seconds_count\{kind="chunk",outcome="completed"\} 1$/m,
    );
    expect(text).toMatch(
      /^tickline_backfill_job_duration_seconds_count\{kind="chunk",outcome="failed"\} 1$/m,
    );
    expect(text).toMatch(/^tickline_backfill_bars_total\{source="binance:raw",kind="backfill"\} 24$/m);
  });

  it('names every bad field of a request', async () => {
    await expect(enqueue({ timeframe: '7m', from: T0, to: T0 + 1, provider: 'nasdaq' })).rejects.toThrow(
      /invalid backfill request: timeframe: .*; provider: provider must be one of/,
    );
  });
});
