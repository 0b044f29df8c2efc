import { ENTRY_SCHEMA_VERSION, msgpackCodec, streamKeys } from '@tickline/bus';
import { runCli, type CliDeps } from '@tickline/cli';
import { QUALITY_FLAG_CODES, type Bar } from '@tickline/core';
import { BinanceRestMock } from '@tickline/history';
import { createSinkService } from '@tickline/sink-service';
import { startApp, type App } from '@tickline/runtime';
import { queryBars } from '@tickline/storage';
import { waitFor } from '@tickline/testkit';
import { createBackfillService, REPAIR_REVISION } from '@tickline/backfill-service';
import { publishBars, useSinkStores } from '../sink/sinkHarness';
import { servedBars, T0, testConfig } from '../../services/backfill/test/support/backfillHarness';

// Acceptance: a gap published to tl:gaps while the pipeline runs is repaired without an operator.
const stores = useSinkStores('tlbfgap');
let mock: BinanceRestMock;
let app: App;

beforeAll(async () => {
  mock = await BinanceRestMock.start();
});
afterAll(async () => {
  await app?.close();
  await mock.close();
});

const MINUTE = 60_000;

/** What the live pipeline made of an hour with trades missing in minutes 20–22: final live bars, too light. */
function liveHour(): Bar[] {
  return servedBars('BTCUSDT', '1m', T0, T0 + 60 * MINUTE).map((served) => {
    const inGap = served.start >= T0 + 20 * MINUTE && served.start < T0 + 23 * MINUTE;
    return {
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      ...served,
      volume: inGap ? served.volume / 2 : served.volume,
      trades: inGap ? 1 : served.trades,
      vwap: served.open,
      final: true,
      revision: 0,
      quality: { score: 1, flags: [] },
      source: 'live',
    };
  });
}

test('a gap published while the pipeline runs is repaired: the bars it touched are rewritten from the venue, flagged', async () => {
  const env = {
    TICKLINE_PREFIX: stores.ctx.prefix,
    TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
    TICKLINE_CACHE_DIR: stores.cache.root,
    DATABASE_URL: stores.schema.url,
    TICKLINE_BINANCE_REST_URL: mock.url,
  };
  const config = testConfig(env, { backfill: { repair: { timeframes: ['1m'], delayMs: 0, penalty: 0.05 } } });
  app = await startApp({
    services: [createSinkService({ timeframes: ['1m'], consumer: 'test-sink' }), createBackfillService()],
    config,
  });
  const query = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: T0,
    to: T0 + 60 * MINUTE,
  } as const;
  await publishBars(stores.ctx.redis, stores.ctx.prefix, liveHour());
  await waitFor(async () => (await queryBars(stores.schema.db, query)).length === 60, { timeoutMs: 20000 });

  // What the ingestor writes on a reconnect: the last trade before and the first after.
  const gap = {
    venue: 'binance',
    symbols: ['BTCUSDT'],
    cause: 'reconnect',
    from: T0 + 20 * MINUTE + 5000,
    to: T0 + 22 * MINUTE + 100,
    connection: 'binance#1',
  };
  await stores.ctx.redis.xadd(
    streamKeys(stores.ctx.prefix).gaps(),
    '*',
    'v',
    String(ENTRY_SCHEMA_VERSION),
    'n',
    '1',
    'd',
    msgpackCodec.encode([gap]),
  );

  const repairedStarts = [20, 21, 22].map((m) => T0 + m * MINUTE);
  await waitFor(
    async () =>
      (await queryBars(stores.schema.db, query)).filter((b) => b.revision === REPAIR_REVISION).length === 3,
    { timeoutMs: 30000, what: 'three repaired bars' },
  );
  const rows = await queryBars(stores.schema.db, query);
  const served = servedBars('BTCUSDT', '1m', T0, T0 + 60 * MINUTE);
  for (const [i, row] of rows.entries()) {
    if (repairedStarts.includes(row.start)) {
      expect(row).toMatchObject({
        ...served[i],
        source: 'binance:raw',
        revision: REPAIR_REVISION,
        final: true,
      });
      // The repair is a quality flag of core's list, with the configured penalty, and the score is
      // still 1 − Σ penalties (docs/quality.md): below a clean bar, above the light live bar.
      expect(row.quality.flags).toContainEqual({
        code: 'repaired',
        penalty: 0.05,
        detail: 'reconnect gap repaired from binance:raw',
      });
      for (const flag of row.quality.flags) expect(QUALITY_FLAG_CODES).toContain(flag.code);
      const penalties = row.quality.flags.reduce((sum, flag) => sum + flag.penalty, 0);
      expect(row.quality.score).toBeCloseTo(Math.max(0, 1 - penalties), 9);
      expect(row.quality.score).toBeLessThanOrEqual(0.95);
    } else {
      expect(row).toMatchObject({ start: served[i]!.start, source: 'live', revision: 0 });
    }
  }
  // The gap was acknowledged by the scheduler's group: nothing is left pending.
  expect((await stores.ctx.redis.xpending(streamKeys(stores.ctx.prefix).gaps(), 'backfill'))[0]).toBe(0);
  expect(mock.stats.requests).toBe(1);

  // What an operator sees: `tickline bars --format json` prints the flag and the lowered score.
  let stdout = '';
  const deps: CliDeps = {
    env: { ...env, TICKLINE_LOG_LEVEL: 'warn' },
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: () => undefined,
    runServices: () => Promise.resolve(),
  };
  const argv = ['bars', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m'];
  const range = ['--from', String(T0 + 20 * MINUTE), '--to', String(T0 + 24 * MINUTE)];
  expect(await runCli([...argv, ...range, '--source', 'db', '--format', 'json'], deps)).toBe(0);
  const shown = JSON.parse(stdout) as { revision: number; quality: Bar['quality'] }[];
  expect(shown.map((b) => b.revision)).toEqual([REPAIR_REVISION, REPAIR_REVISION, REPAIR_REVISION, 0]);
  for (const [i, bar] of shown.slice(0, 3).entries()) {
    expect(bar.quality.flags.map((f) => f.code)).toContain('repaired');
    expect(bar.quality.score).toBe(rows[20 + i]!.quality.score);
  }
}, 60000);
