import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@tickline/config';
import { createMonitorService } from '@tickline/monitor-service';
import { startApp, type App } from '@tickline/runtime';
import { freePort, redisTestContext, redisUrl, spawnTs, waitFor, type TsChild } from '@tickline/testkit';
import { BinanceMockServer } from '@tickline/venues';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import {
  PROMETHEUS,
  startPrometheus,
  type ActiveAlert,
  type PrometheusServer,
} from './support/prometheusServer';

// Issue 18's acceptance: a real Prometheus (Debian's package, `bash scripts/services.sh up tools`)
// loads infra/prometheus/alerts.yml, scrapes a monitor, and sees TicklineFeedDown fire once the ingestor
// (`tickline run ingestor`, a real process) is killed with SIGKILL, and resolve once it runs again.
// About 20 s; the limits leave room for a loaded machine.
jest.setTimeout(120_000);

const MAIN = path.join(__dirname, '..', 'packages', 'cli', 'src', 'main.ts');
const RULES = path.join(__dirname, '..', 'infra', 'prometheus', 'alerts.yml');
const ALERT = 'TicklineFeedDown';
// The rule's `for: 1m` shortened to keep the test short: the only change to the rule file (asserted
// below); the expression, labels and annotations are the ones deployed.
const FOR_SECONDS = 5;

const ctx = redisTestContext('tlalert');
let dir: string;
let mock: BinanceMockServer | undefined;
let monitor: App | undefined;
let ingestor: TsChild | undefined;
let prometheus: PrometheusServer | undefined;

afterAll(async () => {
  ingestor?.child.kill('SIGKILL');
  prometheus?.stop();
  await monitor?.close();
  await mock?.close();
  await ctx.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function feedAlert(server: PrometheusServer): Promise<ActiveAlert | undefined> {
  return (await server.alerts()).find((a) => a.labels['alertname'] === ALERT);
}

/** alerts.yml, parsed and written again with the feed alert's `for:` shortened: nothing else changes. */
function testRules(): string {
  const rules = parse(fs.readFileSync(RULES, 'utf8')) as { groups: { rules: Record<string, unknown>[] }[] };
  const rule = rules.groups.flatMap((g) => g.rules).find((r) => r['alert'] === ALERT);
  expect(rule?.['for']).toBe('1m');
  rule!['for'] = `${FOR_SECONDS}s`;
  return stringify(rules);
}

function startIngestor(env: Record<string, string>): TsChild {
  return (ingestor = spawnTs(MAIN, ['run', 'ingestor'], env));
}

test('killing the ingestor fires the feed alert within its for: window; running it again resolves it', async () => {
  expect(fs.existsSync(PROMETHEUS)).toBe(true); // `bash scripts/services.sh up tools` installs it
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-alert-'));
  mock = await BinanceMockServer.start();
  const env = {
    REDIS_URL: redisUrl(),
    TICKLINE_PREFIX: ctx.prefix,
    TICKLINE_INSTRUMENTS: 'binance:ETHUSDT',
    TICKLINE_BINANCE_WS_URL: mock.url,
    TICKLINE_CACHE_DIR: path.join(dir, 'cache'),
    TICKLINE_SPOOL_DIR: path.join(dir, 'spool'),
    // Heartbeats every second: a killed process is dead 3 s (three intervals) after its last beat.
    TICKLINE_HEARTBEAT_INTERVAL_MS: '1000',
    TICKLINE_LOG_LEVEL: 'warn',
  };
  monitor = await startApp({
    services: [createMonitorService({ minReadIntervalMs: 500 })],
    config: loadConfig({ env: { ...env, TICKLINE_METRICS_PORT: String(await freePort()) } }),
    logger: pino({ level: 'silent' }),
    heartbeats: true,
  });
  const ingestorEnv = { ...env, TICKLINE_METRICS_PORT: String(await freePort()) };
  startIngestor(ingestorEnv);

  fs.writeFileSync(path.join(dir, 'alerts.yml'), testRules());
  const server = (prometheus = await startPrometheus(dir, {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ['alerts.yml'],
    scrape_configs: [{ job_name: 'tickline', static_configs: [{ targets: [new URL(monitor.url).host] }] }],
  }));

  // Running: Prometheus sees the ingestor alive and the alert inactive.
  await waitFor(
    async () =>
      (await server.query('sum(tickline_service_alive{service="ingestor"})'))[0] === 1 &&
      (await feedAlert(server)) === undefined,
    { timeoutMs: 45_000, intervalMs: 250, what: 'a live ingestor and no feed alert' },
  );

  const killedAt = Date.now();
  ingestor!.child.kill('SIGKILL');
  await ingestor!.exited;
  let fired: ActiveAlert | undefined;
  await waitFor(async () => (fired = await feedAlert(server))?.state === 'firing', {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: `${ALERT} firing`,
  });
  const firedAt = Date.now();
  // Pending from when the heartbeat expired (after the kill), firing no sooner than for: later.
  const activeAt = Date.parse(fired!.activeAt);
  expect(activeAt).toBeGreaterThanOrEqual(killedAt - 1000);
  expect(firedAt - activeAt).toBeGreaterThanOrEqual(FOR_SECONDS * 1000);
  expect(fired!.labels).toEqual({ alertname: ALERT, severity: 'critical' });

  startIngestor(ingestorEnv);
  await waitFor(async () => (await feedAlert(server)) === undefined, {
    timeoutMs: 45_000,
    intervalMs: 250,
    what: `${ALERT} resolved`,
  });
  expect(await server.query('sum(tickline_service_alive{service="ingestor"})')).toEqual([1]);
});
