import { readStreamRecords, streamKeys } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import { startApp, type App } from '@tickline/runtime';
import { redisTestContext, redisUrl, waitFor, type RedisTestContext } from '@tickline/testkit';
import { BinanceFeed, BinanceMockServer, tradePayload } from '@tickline/venues';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIngestorService, type FeedFactories } from '../src';

/** Small thresholds: the watchdog trips on the stall within a second; backoff in milliseconds. */
const factories: FeedFactories = {
  binance: ({ config, symbols, onError }) =>
    new BinanceFeed({
      wsUrl: config.venues.binance.wsUrl,
      symbols,
      onError,
      quotes: false,
      backoff: { baseMs: 20, capMs: 100, stableAfterMs: 60_000 },
      watchdog: { minSilenceMs: 400, maxSilenceMs: 2000, linkTimeoutMs: 5000, checkIntervalMs: 25 },
      connectTimeoutMs: 2000,
    }),
};

const BASE = 1_723_161_255_000;
const TOTAL = 12_000;
const SKIPPED: Array<[number, number]> = [
  [3000, 3004],
  [8100, 8100],
];

interface Tick {
  id: string;
  ts: number;
  recvTs: number;
  symbol: string;
}
interface Gap {
  venue: string;
  symbols: string[];
  cause: string;
  from: number;
  to: number;
  fromId?: string;
  toId?: string;
}

let ctx: RedisTestContext;
let mock: BinanceMockServer;
let app: App | undefined;

beforeEach(async () => {
  ctx = redisTestContext('tlingest');
  mock = await BinanceMockServer.start({
    seed: 7,
    faults: { closeAfterMessages: 2500, malformedRate: 0.01, skipTradeIds: SKIPPED },
  });
});

afterEach(async () => {
  await app?.close();
  await mock.close();
  await ctx.cleanup();
});

/** Plays trades like a live venue: frames sent while no one is connected are lost (at most `lost` in a row). */
async function playTrades(lost: number): Promise<void> {
  let away = 0;
  for (let id = 1; id <= TOTAL; id++) {
    const connected = mock.openConnections.some((c) => c.streams.includes('btcusdt@trade'));
    away = connected ? 0 : away + 1;
    if (away > lost) {
      await mock.waitForSubscription('btcusdt@trade');
      away = 0;
    }
    if (id === 5000) mock.stallConnections(1000);
    const payload = tradePayload({ symbol: 'BTCUSDT', id, price: '61837.63', qty: '0.01', time: BASE + id });
    mock.publish('btcusdt@trade', payload);
    if (id % 5 === 0) await sleep(1);
  }
}

it('survives drops, a stall, malformed frames and skipped ids: every sent trade once and in order, every hole in gaps, every bad frame in the DLQ', async () => {
  const config = loadConfig({
    env: {
      REDIS_URL: redisUrl(),
      TICKLINE_PREFIX: ctx.prefix,
      TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
      TICKLINE_BINANCE_WS_URL: mock.url,
      TICKLINE_METRICS_PORT: '0',
      TICKLINE_LOG_LEVEL: 'silent',
    },
  });
  app = await startApp({ services: [createIngestorService({ factories })], config });
  let failure: unknown;
  void app.failed.then((error) => (failure = error));
  await mock.waitForSubscription('btcusdt@trade');
  await playTrades(30);

  const keys = streamKeys(ctx.prefix);
  const tickKey = keys.ticks({ venue: 'binance', symbol: 'BTCUSDT' });
  const sent = mock.connections.reduce((n, c) => n + c.sent, 0);
  const malformed = mock.connections.reduce((n, c) => n + c.malformedSent, 0);
  await waitFor(async () => (await readStreamRecords(ctx.redis, tickKey)).length >= sent, {
    what: `${sent} ticks`,
    timeoutMs: 15_000,
  });
  await waitFor(async () => (await readStreamRecords(ctx.redis, keys.dlq('binance'))).length >= malformed, {
    what: `${malformed} dead letters`,
  });

  // Exactly once, in order.
  const ticks = await readStreamRecords<Tick>(ctx.redis, tickKey);
  expect(ticks.length).toBe(sent);
  const ids = ticks.map((t) => Number(t.id));
  expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);

  // Every missing id lies in exactly one gap, with the event times of the trades around it.
  const gaps = await readStreamRecords<Gap>(ctx.redis, keys.gaps());
  const idGaps = gaps.filter((g) => g.fromId !== undefined);
  const covered = [...ids];
  for (const g of idGaps) {
    expect(g).toMatchObject({ venue: 'binance', symbols: ['BTCUSDT'] });
    expect(g.from).toBe(BASE + Number(g.fromId) - 1);
    expect(g.to).toBe(BASE + Number(g.toId) + 1);
    for (let id = Number(g.fromId); id <= Number(g.toId); id++) covered.push(id);
  }
  covered.sort((a, b) => a - b);
  expect(covered.every((id, i) => id === ids[0]! + i)).toBe(true);
  expect(covered[covered.length - 1]).toBe(ids[ids.length - 1]);
  for (const [from, to] of SKIPPED) {
    expect(idGaps.some((g) => Number(g.fromId) <= from && Number(g.toId) >= to)).toBe(true);
  }
  // Outages are reported too: the drops (reconnect) and the stall our watchdog cut (stale).
  expect(gaps.map((g) => g.cause)).toEqual(expect.arrayContaining(['reconnect', 'stale', 'sequence']));
  expect(mock.connections.length).toBeGreaterThanOrEqual(5);

  // Every malformed frame is in the DLQ with its payload, reason and time.
  const letters = await readStreamRecords<{ raw: string; reason: string; time: number }>(
    ctx.redis,
    keys.dlq('binance'),
  );
  expect(letters.length).toBe(malformed);
  expect(malformed).toBeGreaterThan(50);
  expect(letters.every((l) => l.raw.length > 0 && l.reason.length > 0 && l.time > BASE)).toBe(true);

  // The service is still up and ready, and counted what happened.
  expect(failure).toBeUndefined();
  await waitFor(async () => (await app!.readiness()).ready, { what: 'ready' });
  const metrics = await app.metrics.metrics();
  expect(metrics).toContain(`tickline_ingest_trades_total{venue="binance",symbol="BTCUSDT"} ${sent}`);
  expect(metrics).toMatch(/tickline_ingest_reconnects_total\{venue="binance"\} [1-9]/);
  expect(metrics).toMatch(/tickline_ingest_latency_seconds_count [1-9]/);
}, 60_000);
