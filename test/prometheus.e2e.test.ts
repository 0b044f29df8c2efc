import { spawn, type ChildProcess } from 'node:child_process';
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

// Prometheus from Debian's package (scripts/services.sh installs it) scrapes a running ingestor and
// monitor; PromQL must then see the ingest rate and the pipeline gauges.

const SESSION = path.join(
  __dirname,
  '../packages/venues/data/binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
);
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

const ctx = redisTestContext('tlprom');
let dir: string;
let mock: BinanceMockServer | undefined;
let app: App | undefined;
let prometheus: ChildProcess | undefined;

afterAll(async () => {
  prometheus?.kill('SIGKILL');
  await app?.close();
  await mock?.close();
  await ctx.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function query(base: string, promql: string): Promise<number[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  return (body.data?.result ?? []).map((r) => Number(r.value[1]));
}

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

  const webPort = await freePort();
  const target = new URL(app.url).host;
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tickline\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ],
    { stdio: 'ignore' },
  );
  const base = `http://127.0.0.1:${webPort}`;

  let rate: number[] = [];
  await waitFor(
    async () => (rate = await query(base, 'sum(rate(tickline_ingest_trades_total[5s]))')).some((v) => v > 0),
    { timeoutMs: 40_000, intervalMs: 500, what: 'a positive ingest rate from Prometheus' },
  );
  expect(rate[0]).toBeGreaterThan(0);
  const entries = await query(base, 'tickline_stream_entries{instrument="binance:ETHUSDT"}');
  expect(entries[0]).toBeGreaterThan(0);
  const alive = await query(base, 'sum(tickline_service_alive)');
  expect(alive[0]).toBe(2);
  // Two more of docs/metrics.md's catalogue through PromQL: a histogram's count and a store gauge.
  const latency = await query(base, 'sum(tickline_ingest_latency_seconds_count)');
  expect(latency[0]).toBeGreaterThan(0);
  const cache = await query(base, 'tickline_store_up{store="cache"}');
  expect(cache).toEqual([1]);
}, 60_000);
