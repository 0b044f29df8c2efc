/**
 * `npm run bench -- backfill [--weight 60] [--window 3000] [--margin 0] [--symbols 5] [--days 30]
 * [--concurrency 4]`: 30 days of 1m bars for 5 symbols backfilled from the Binance mock, whose request
 * weight limit is set (`--weight` per `--window` ms, klines weigh 2, counted in fixed windows as Binance
 * does) and configured as the shared limit (with `--margin`: none is needed, the limiter books each
 * request until a window after its reply), through the backfill service's BullMQ workers onto the bar
 * streams. Prints bars/s and the fraction of the allowed request rate used: weight sent / (limit ×
 * (elapsed / window + 1)), the most a sender could get through in that time under a sliding window (a
 * full window's burst at the start, then the rate; a fixed-window venue allows more around its window
 * ends, which the limiter uses when the venue's usage header shows its window rolled over); goal at
 * least 0.9 with zero 429s. The plain ratio of rates is printed too: it counts the first
 * window's burst as rate and so overstates. Uses REDIS_URL under a prefix of its own, removed at the end.
 */
import { randomBytes } from 'node:crypto';
import {
  createBackfillService,
  BackfillQueues,
  bullConnection,
  enqueueBackfill,
} from '@tickline/backfill-service';
import { ConfigSchema, loadConfig, type TicklineConfig } from '@tickline/config';
import { BinanceRestMock, createHistory } from '@tickline/history';
import { startApp } from '@tickline/runtime';
import { deleteKeysWithPrefix, testRedisClient, waitFor } from '@tickline/testkit';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'LTCUSDT'];
const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const KLINES_WEIGHT = 2;

function option(args: string[], name: string, fallback: number, min = 1): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number >= ${min}`);
  return value;
}

export async function main(args: string[]): Promise<void> {
  const weight = option(args, 'weight', 60);
  const windowMs = option(args, 'window', 3000);
  const marginMs = option(args, 'margin', 0, 0);
  const symbols = SYMBOLS.slice(0, option(args, 'symbols', 5));
  const days = option(args, 'days', 30);
  const concurrency = option(args, 'concurrency', 4);
  const prefix = `tlbench-${randomBytes(4).toString('hex')}`;
  const mock = await BinanceRestMock.start({ weightLimit: weight, windowMs });
  const base = loadConfig({
    env: {
      TICKLINE_PREFIX: prefix,
      TICKLINE_BINANCE_REST_URL: mock.url,
      TICKLINE_METRICS_PORT: '0',
      TICKLINE_LOG_LEVEL: 'error',
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    },
  });
  const config = ConfigSchema.parse({
    ...base,
    backfill: {
      ...base.backfill,
      concurrency,
      limits: { ...base.backfill.limits, binance: [{ limit: weight, windowMs, marginMs }] },
    },
  }) as TicklineConfig;
  const redis = testRedisClient(config.redis.url);
  const app = await startApp({ services: [createBackfillService({ repair: false })], config });
  const queues = new BackfillQueues(bullConnection(config, 'bench'), prefix);
  try {
    const { router } = createHistory(config, { redis, prefix });
    const started = performance.now();
    const ids = [];
    for (const symbol of symbols) {
      const request = { venue: 'binance', symbol, timeframe: '1m', from: T0, to: T0 + days * DAY };
      ids.push((await enqueueBackfill(queues, router, config.backfill, request)).id);
    }
    await waitFor(
      async () =>
        (await queues.requests.getCompletedCount()) === ids.length ||
        (await queues.requests.getFailedCount()) > 0,
      { timeoutMs: 30 * 60_000, intervalMs: 20, what: 'every request completed' },
    );
    const elapsedMs = performance.now() - started;
    const failed = await queues.requests.getFailedCount();
    if (failed > 0) throw new Error(`${failed} request(s) failed`);
    const bars = (
      await Promise.all(
        ids.map(async (id) => ((await queues.requests.getJob(id))!.returnvalue as { bars: number }).bars),
      )
    ).reduce((a, b) => a + b, 0);
    const sent = mock.stats.requests * KLINES_WEIGHT;
    const fraction = sent / (weight * (elapsedMs / windowMs + 1));
    const naive = sent / elapsedMs / (weight / windowMs);
    process.stdout.write(
      [
        `backfill: ${symbols.length} symbols x ${days} days of 1m from the Binance mock (limit ${weight} weight / ${windowMs} ms, margin ${marginMs} ms, concurrency ${concurrency})`,
        `  bars ${bars.toLocaleString('en-US')} in ${(elapsedMs / 1000).toFixed(2)} s: ${Math.round(bars / (elapsedMs / 1000)).toLocaleString('en-US')} bars/s`,
        `  requests ${mock.stats.requests} (weight ${sent}), peak weight per window ${mock.limits.peakWeight}/${weight}, 429s ${mock.limits.count429}, 418s ${mock.limits.count418}`,
        `  allowed request rate used: ${fraction.toFixed(3)} (goal >= 0.9, zero 429s); weight/s over limit/s, counting the first window's burst: ${naive.toFixed(3)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await app.close();
    await queues.close();
    queues.connection.disconnect();
    await mock.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
}
