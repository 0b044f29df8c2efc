import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@tickline/config';
import { ingestorService } from '@tickline/ingestor-service';
import { createMonitorService } from '@tickline/monitor-service';
import { startApp, type App } from '@tickline/runtime';
import { freePort, redisTestContext, waitFor } from '@tickline/testkit';
import { BinanceMockServer } from '@tickline/venues';
import pino from 'pino';
import { PROMETHEUS, startPrometheus, type PrometheusServer } from './support/prometheusServer';

// Prometheus from Debian's package (scripts/services.sh installs it) scrapes a running ingestor and
// monitor; PromQL must then see the ingest rate and the pipeline gauges.

const SESSION = path.join(
  __dirname,
  '../packages/venues/data/binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
);

const ctx = redisTestContext('tlprom');
let dir: string;
let mock: BinanceMockServer | undefined;
let app: App | undefined;
let prometheus: PrometheusServer | undefined;

afterAll(async () => {
  prometheus?.stop();
  await app?.close();
  await mock?.close();
  await ctx.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('Prometheus scrapes the services and answers the ingest-rate query', async () => {
  expect(fs.existsSync(PROMETHEUS)).toBe(true); // `bash scripts/services.sh up` installs it
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-prometheus-'));
  mock = await BinanceMockServer.start();
  const config = loadConfig({
    env: {
      TICKLINE_PREFIX: ctx.prefix,
      TICKLINE_METRICS_PORT: String(await freePort()),
      TICKLINE_INSTRUMENTS: 'binance:ETHUSDT',
      TICKLINE_BINANCE_WS_URL: mock.url,
      TICKLINE_CACHE_DIR: path.join(dir, 'cache'),
      TICKLINE_HEARTBEAT_INTERVAL_MS: '1000',
    },
  });
  app = await startApp({
    services: [ingestorService, createMonitorService({ minReadIntervalMs: 500 })],
    config,
    logger: pino({ level: 'silent' }),
    heartbeats: true,
  });
  // The 11-minute session at 20x lasts about half a minute: trades keep flowing while Prometheus scrapes.
  const replay = mock.replayFile(SESSION, { speed: 20 });
  replay.catch(() => undefined);

  const server = (prometheus = await startPrometheus(dir, {
    global: { scrape_interval: '1s' },
    scrape_configs: [{ job_name: 'tickline', static_configs: [{ targets: [new URL(app.url).host] }] }],
  }));

  let rate: number[] = [];
  await waitFor(
    async () => (rate = await server.query('sum(rate(tickline_ingest_trades_total[5s]))')).some((v) => v > 0),
    { timeoutMs: 40_000, intervalMs: 500, what: 'a positive ingest rate from Prometheus' },
  );
  expect(rate[0]).toBeGreaterThan(0);
  const entries = await server.query('tickline_stream_entries{instrument="binance:ETHUSDT"}');
  expect(entries[0]).toBeGreaterThan(0);
  const alive = await server.query('sum(tickline_service_alive)');
  expect(alive[0]).toBe(2);
  // Two more of docs/metrics.md's catalogue through PromQL: a histogram's count and a store gauge.
  const latency = await server.query('sum(tickline_ingest_latency_seconds_count)');
  expect(latency[0]).toBeGreaterThan(0);
  const cache = await server.query('tickline_store_up{store="cache"}');
  expect(cache).toEqual([1]);
}, 60_000);
