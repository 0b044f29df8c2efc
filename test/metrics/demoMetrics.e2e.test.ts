import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultDeps, runCli, serviceRegistry, type CliDeps } from '@tickline/cli';
import { loadConfig } from '@tickline/config';
import { createMonitorService } from '@tickline/monitor-service';
import { startApp, type App, type ServiceDefinition } from '@tickline/runtime';
import { freePort, redisTestContext } from '@tickline/testkit';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { demoServices } from '../../packages/cli/src/serviceRegistry';
import type { DemoServices } from '../../packages/cli/src/demo';
import { openStream, type StreamClient } from '../../services/gateway/test/streamClient';
import { DATABASE_URL, useMigratedSchema } from '../../packages/storage/test/testDatabase';
import { moved, parseExposition, readCatalogue, type Family } from './catalogue';

// The acceptance point of docs/metrics.md: every metric of the catalogue is served while `tickline demo`
// runs (PostgreSQL and the file cache configured), and every one the catalogue says moves in the demo
// has moved. The demo's own services are wrapped only to read their registries (what /metrics serves):
// during the run, and just before each stops. Beside the demo, a gateway and backfill app on the same
// prefix stand for an operator watching: a dashboard client subscribed to the demo's bars. The fundamentals
// service beside them refreshes no universe here; it serves its cache-cleanup counter.

const LIMIT = 3000;
const READ_TOKEN = 'read-token-0123456789abcdef';
const ctx = redisTestContext('tlmetricsdemo');
const schema = useMigratedSchema();
let cacheDir: string;
let side: App | undefined;
let client: StreamClient | undefined;

beforeAll(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-metrics-demo-'));
});
afterAll(async () => {
  client?.ws.terminate();
  await side?.close().catch(() => undefined);
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

/** Every exposition read, merged by family: a metric has moved when it moved in any read. */
class Scrapes {
  readonly families = new Map<string, Family[]>();
  add(text: string): void {
    for (const [name, family] of parseExposition(text)) {
      this.families.set(name, [...(this.families.get(name) ?? []), family]);
    }
  }
  async read(registry: Registry): Promise<void> {
    this.add(await registry.metrics().catch(() => ''));
  }
  has(name: string): boolean {
    return this.families.has(name);
  }
  moved(name: string): boolean {
    return (this.families.get(name) ?? []).some((family) => moved(family));
  }
}

/** The definition with its registry read before it stops (while its dependencies are still open). */
function watched(
  definition: ServiceDefinition,
  scrapes: Scrapes,
  registries: Set<Registry>,
): ServiceDefinition {
  return {
    name: definition.name,
    async start(context) {
      registries.add(context.metrics);
      const running = await definition.start(context);
      return {
        ...(running.checks === undefined ? {} : { checks: running.checks }),
        async stop() {
          await scrapes.read(context.metrics);
          await running.stop();
        },
      };
    },
  };
}

/**
 * The demo's services, each watched. The monitor reads its report every 100 ms instead of 2 s: the demo
 * lasts seconds, and consumer pending is only above zero while a batch is in flight.
 */
function watchedDemo(scrapes: Scrapes, registries: Set<Registry>): DemoServices {
  type Build = (...args: never[]) => ServiceDefinition;
  const builders: Record<string, Build> = {
    ...(demoServices as unknown as Record<string, Build>),
    monitor: () => createMonitorService({ minReadIntervalMs: 100 }),
  };
  return Object.fromEntries(
    Object.entries(builders).map(([key, build]) => [
      key,
      (...args: never[]) => watched(build(...args), scrapes, registries),
    ]),
  ) as unknown as DemoServices;
}

test('every catalogue metric is served during the demo, and those marked as moving move', async () => {
  const catalogue = readCatalogue();
  expect(catalogue.length).toBeGreaterThan(40);
  const scrapes = new Scrapes();
  const registries = new Set<Registry>();
  const { schema: name } = schema.current();
  const databaseUrl = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  const env = {
    TICKLINE_PREFIX: ctx.prefix,
    TICKLINE_CACHE_DIR: cacheDir,
    TICKLINE_LOG_LEVEL: 'silent',
    TICKLINE_HEARTBEAT_INTERVAL_MS: '500',
    TICKLINE_INSTRUMENTS: 'binance:BTCUSDT,binance:ETHUSDT',
    TICKLINE_GATEWAY_READ_TOKEN: READ_TOKEN,
    TICKLINE_GATEWAY_PORT: '0', // a demo that serves its dashboard takes a free port
    DATABASE_URL: databaseUrl,
  };

  // The operator's side: gateway, backfill and fundamentals, and a dashboard client on the demo's 1m bars.
  const gatewayPort = await freePort();
  side = await startApp({
    services: [
      serviceRegistry.gateway!.create(),
      serviceRegistry.backfill!.create(),
      serviceRegistry.fundamentals!.create(),
    ],
    config: loadConfig({
      env: { ...env, TICKLINE_METRICS_PORT: '0', TICKLINE_GATEWAY_PORT: String(gatewayPort) },
    }),
    logger: pino({ level: 'silent' }),
    heartbeats: true,
  });
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  expect((await fetch(`${gatewayUrl}/`)).status).toBe(200); // the dashboard page
  await expect(openStream(gatewayUrl)).rejects.toMatchObject({ status: 401 }); // a refused upgrade
  client = await openStream(gatewayUrl, { token: READ_TOKEN });
  client.send({
    op: 'subscribe',
    id: 'b1',
    channel: 'bars',
    instrument: 'binance:BTCUSDT',
    timeframe: '1m',
    from: Date.UTC(2024, 7, 8),
  });

  // Reads every registry while the demo runs (the monitor's gauges change as the streams fill).
  const reading = setInterval(() => {
    for (const registry of registries) void scrapes.read(registry);
  }, 100);
  let stdout = '';
  let scraped: Promise<void> = Promise.resolve();
  const deps: CliDeps = {
    ...defaultDeps(),
    env: { ...process.env, ...env },
    demoServices: watchedDemo(scrapes, registries),
    stdout: (text) => {
      stdout += text;
      // What Prometheus would scrape: the demo prints its metrics URL once the pipeline runs.
      const url = /\(metrics: (http:\/\/\S+\/metrics)\)/.exec(text)?.[1];
      if (url) scraped = fetch(url).then(async (res) => scrapes.add(await res.text()));
    },
    stderr: (text) => void (stdout += text),
  };
  try {
    // --exit: the demo quits after its summary instead of serving its own dashboard until Ctrl-C.
    const code = await runCli(['demo', '--speed', 'max', '--limit', String(LIMIT), '--exit'], deps);
    if (code !== 0) throw new Error(`tickline demo exited ${code}:\n${stdout}`);
  } finally {
    clearInterval(reading);
  }
  await scraped;
  expect(stdout).toContain('demo: done');
  await client.waitFrames((f) => f.type === 'bar');
  const sideMetrics = await (await fetch(`${side.url}/metrics`)).text();
  scrapes.add(sideMetrics);

  const missing = catalogue.filter((m) => !scrapes.has(m.name)).map((m) => m.name);
  const still = catalogue.filter((m) => m.movesInDemo && !scrapes.moved(m.name)).map((m) => m.name);
  const quiet = catalogue.filter((m) => !m.movesInDemo && scrapes.moved(m.name)).map((m) => m.name);
  expect(missing).toEqual([]);
  expect(still).toEqual([]);
  // The catalogue's "zero" rows hold too: a fault counter that moved in a clean demo would be news.
  expect(quiet).toEqual([]);
}, 180_000);
