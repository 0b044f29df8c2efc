import { consumerGroups, createRedis, readStreamRecords, streamKeys, type RedisClient } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import { parseInstrumentId, type Bar } from '@tickline/core';
import { createLogger, startApp, type App, type ServiceDefinition } from '@tickline/runtime';
import { BinanceMockServer, readBinanceRecording, type RecordedFrame } from '@tickline/venues';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './cliError';
import { histogramQuantile, type CumulativeBucket } from './histogramQuantile';
import { untilSignal } from './venueCommands';

/** The bundled Binance sessions the demo replays (packages/venues/data/binance). */
export const DEMO_SESSIONS = [
  'spot_BTCUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
  'spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
];
export const DEMO_INSTRUMENTS = ['binance:BTCUSDT', 'binance:ETHUSDT'];
export const DEMO_TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
/** The aggregator's allowed lateness in the demo (event time). */
export const DEMO_LATENESS_MS = 2000;

/** The services the demo runs; built by the CLI's service registry (the one place that imports services). */
export interface DemoServices {
  readonly ingestor: () => ServiceDefinition;
  readonly aggregator: (options: { allowedLatenessMs: number }) => ServiceDefinition;
  readonly sink: () => ServiceDefinition;
  /** Pipeline gauges, so Prometheus and `tickline status` see the demo. */
  readonly monitor?: () => ServiceDefinition;
  /** The gateway (API, /v1/stream, dashboard); `onListening` gets its base URL once it listens. */
  readonly gateway?: (options: { onListening: (url: string) => void }) => ServiceDefinition;
}

export interface DemoOptions {
  readonly speed: number | 'max';
  /** Replay only the first `limit` frames of each session (tests). */
  readonly limit?: number;
  /** Loads the config with these environment overrides on top of the process's. */
  readonly loadConfig: (overrides: Record<string, string>) => TicklineConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly services: DemoServices;
  readonly stdout: (text: string) => void;
  readonly progressMs?: number;
  /**
   * Keep the dashboard up after the summary until `untilStopped` resolves (default: SIGINT or SIGTERM);
   * false quits after the summary (`--exit`, for scripts and CI). Default false.
   */
  readonly serve?: boolean;
  readonly untilStopped?: () => Promise<void>;
}

export interface DemoSummary {
  readonly prefix: string;
  readonly tradesSent: number;
  readonly tradesIn: Record<string, number>;
  readonly finalBars: Record<string, number>;
  readonly revisions: number;
  readonly quality: Record<string, number>;
  readonly cacheDir: string;
  readonly database: boolean;
  /** The aggregator's tick-to-final-bar latency (tickline_aggregator_tick_to_bar_seconds), ms. */
  readonly latency: { readonly bars: number; readonly p50?: number; readonly p99?: number };
  /** The dashboard's address, opened on the demo's data; undefined without a gateway. */
  readonly dashboard?: string;
}

/** Where the dashboard shows the demo's data: the sessions run from 2024-08-08 23:54 to 00:05 UTC. */
export const DEMO_DASHBOARD_QUERY = '?instrument=binance:BTCUSDT&timeframe=1m&from=2024-08-08T23:50:00Z';

/** Whether `port` on `host` can be listened on right now. */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function addressInUse(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
  }
  return false;
}

/**
 * The gateway in an app of its own, on gateway.port (default 8080); when that port is taken and was not
 * asked for through TICKLINE_GATEWAY_PORT, on a free one. Undefined when the demo has no gateway.
 */
async function startDashboard(
  options: DemoOptions,
  config: TicklineConfig,
  logger: App['logger'],
): Promise<{ app: App; url: string } | undefined> {
  const gateway = options.services.gateway;
  if (!gateway) return undefined;
  const attempt = async (port: number) => {
    let url = '';
    const app = await startApp({
      services: [gateway({ onListening: (at) => (url = at) })],
      config: { ...config, gateway: { ...config.gateway, port } },
      logger,
      heartbeats: true,
    });
    return { app, url };
  };
  const { port, host } = config.gateway;
  const chosen = options.env.TICKLINE_GATEWAY_PORT !== undefined || port === 0;
  try {
    // Probed first so that a taken default port does not log the gateway's start failure.
    if (!chosen && !(await portFree(host, port)))
      throw Object.assign(new Error('taken'), { code: 'EADDRINUSE' });
    return await attempt(port);
  } catch (error) {
    if (chosen || !addressInUse(error)) throw error;
    options.stdout(
      `demo: port ${port} is taken; the dashboard listens on a free one (TICKLINE_GATEWAY_PORT sets it)\n`,
    );
    return attempt(0);
  }
}

/** p50 and p99 of the aggregator's tick-to-bar histogram, in ms. */
async function tickToBarLatency(registry: App['metrics']): Promise<DemoSummary['latency']> {
  const metric = registry.getSingleMetric('tickline_aggregator_tick_to_bar_seconds');
  const values = metric ? (await metric.get()).values : [];
  const buckets: CumulativeBucket[] = values
    .filter((v) => v.labels.le !== undefined) // the buckets; _sum and _count carry no le
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }));
  const ms = (q: number) => {
    const seconds = histogramQuantile(buckets, q);
    return seconds === undefined ? {} : { [q === 0.5 ? 'p50' : 'p99']: Math.round(seconds * 1000) };
  };
  const bars = buckets.find((b) => b.le === Infinity)?.count ?? 0;
  return { bars, ...ms(0.5), ...ms(0.99) };
}

function sessionDir(): string {
  return join(dirname(require.resolve('@tickline/venues/package.json')), 'data', 'binance');
}

async function* limited(frames: AsyncIterable<RecordedFrame>, limit: number | undefined) {
  let n = 0;
  for await (const frame of frames) {
    if (limit !== undefined && n >= limit) return;
    n += 1;
    yield frame;
  }
}

/** Merges recordings in time order (each is in time order already). */
export async function* mergeByTime(sources: AsyncIterable<RecordedFrame>[]): AsyncGenerator<RecordedFrame> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((it) => it.next()));
  for (;;) {
    let best = -1;
    heads.forEach((head, i) => {
      if (head.done) return;
      const current = best < 0 ? undefined : heads[best];
      if (!current || current.done || head.value.t < current.value.t) best = i;
    });
    const head = heads[best];
    const iterator = iterators[best];
    if (!head || head.done || !iterator) return;
    yield head.value;
    heads[best] = await iterator.next();
  }
}

async function counterTotal(
  registry: App['metrics'],
  name: string,
  label?: string,
): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  const totals: Record<string, number> = {};
  if (!metric) return totals;
  for (const value of (await metric.get()).values) {
    const key = label === undefined ? 'all' : String(value.labels[label] ?? '');
    totals[key] = (totals[key] ?? 0) + value.value;
  }
  return totals;
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

async function groupDrained(redis: RedisClient, key: string, group: string): Promise<boolean> {
  if ((await redis.exists(key)) === 0) return true;
  const found = (await consumerGroups(redis, key)).find((g) => g.group === group);
  return found !== undefined && found.pending === 0 && found.lag === 0;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new CliError(`demo: timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function band(score: number): string {
  if (score >= 0.95) return '>=0.95';
  if (score >= 0.8) return '0.80-0.95';
  if (score >= 0.5) return '0.50-0.80';
  return '<0.50';
}

/**
 * `tickline demo`: the bundled BTCUSDT and ETHUSDT sessions through a Binance mock, the ingestor (event
 * clock), the aggregator (replay mode) and the sink, all in this process under a fresh key prefix; prints
 * progress and a summary. Ingestor and aggregator run in one app, the sink in another, so the aggregator's
 * end-of-replay flush (at its stop) reaches the sink before the sink stops. The gateway runs in a third,
 * started first so the dashboard's address is printed before the replay; with `serve` it stays up after the
 * summary (history from the file cache or database, the bar streams) until stopped.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const out = options.stdout;
  const prefix = options.env.TICKLINE_PREFIX ?? `tl-demo-${Date.now()}`;
  const mock = await BinanceMockServer.start();
  const config = options.loadConfig({
    TICKLINE_PREFIX: prefix,
    TICKLINE_INSTRUMENTS: DEMO_INSTRUMENTS.join(','),
    TICKLINE_BINANCE_WS_URL: mock.url,
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_LOG_LEVEL: options.env.TICKLINE_LOG_LEVEL ?? 'error',
  });
  const logger = createLogger({ config });
  const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-demo' });
  const keys = streamKeys(prefix);
  const instruments = DEMO_INSTRUMENTS.map(parseInstrumentId);
  let pipeline: App | undefined;
  let sink: App | undefined;
  let dashboard: { app: App; url: string } | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    out(`demo: key prefix ${prefix}, Redis ${config.redis.url.replace(/\/\/[^@/]*@/, '//***@')}\n`);
    dashboard = await startDashboard(options, config, logger);
    const link = dashboard && `${dashboard.url}/${DEMO_DASHBOARD_QUERY}`;
    if (link) {
      const token = config.gateway.readToken === undefined ? '' : ' (append #token=<read token>)';
      out(`demo: dashboard at ${link}${token}\n`);
    }
    const monitor = options.services.monitor ? [options.services.monitor()] : [];
    sink = await startApp({
      services: [options.services.sink(), ...monitor],
      config,
      logger,
      heartbeats: true,
    });
    pipeline = await startApp({
      services: [
        options.services.aggregator({ allowedLatenessMs: DEMO_LATENESS_MS }),
        options.services.ingestor(),
      ],
      config,
      logger,
      heartbeats: true,
    });
    out(
      `demo: watch it with  TICKLINE_PREFIX=${prefix} npx tickline status  (metrics: ${pipeline.url}/metrics)\n`,
    );
    const metrics = pipeline.metrics;
    const sinkMetrics = sink.metrics;
    const report = async () => {
      const trades = sum(await counterTotal(metrics, 'tickline_ingest_trades_total'));
      const bars = await counterTotal(metrics, 'tickline_aggregator_bars_total', 'kind');
      const stored = await counterTotal(sinkMetrics, 'tickline_sink_rows_total', 'store');
      out(
        `demo: trades in ${trades}, bars out ${(bars.final ?? 0) + (bars.revision ?? 0)}, ` +
          `bars stored ${stored.cache ?? stored.db ?? 0}\n`,
      );
    };
    progress = setInterval(() => void report().catch(() => undefined), options.progressMs ?? 1000);
    const dir = sessionDir();
    out(`demo: replaying ${DEMO_SESSIONS.join(' + ')} at speed ${options.speed}\n`);
    const frames = mergeByTime(
      DEMO_SESSIONS.map((file) => limited(readBinanceRecording(join(dir, file)), options.limit)),
    );
    const { frames: sent } = await mock.replay(frames, { speed: options.speed });
    await until(
      async () => sum(await counterTotal(metrics, 'tickline_ingest_trades_total')) >= sent,
      `the ingestor to publish ${sent} trades`,
    );
    const ticks = instruments.map((i) => keys.ticks(i));
    await until(
      async () => (await Promise.all(ticks.map((k) => groupDrained(redis, k, 'aggregator')))).every(Boolean),
      'the aggregator to consume every tick',
    );
    const tradesIn = await counterTotal(metrics, 'tickline_ingest_trades_total', 'symbol');
    const latency = await tickToBarLatency(metrics);
    await pipeline.close(); // the aggregator flushes its open bars at stop (replay mode)
    pipeline = undefined;
    const barKeys = instruments.flatMap((i) => DEMO_TIMEFRAMES.map((tf) => keys.bars(i, tf)));
    await until(
      async () => (await Promise.all(barKeys.map((k) => groupDrained(redis, k, 'sink')))).every(Boolean),
      'the sink to store every bar',
    );
    clearInterval(progress);
    progress = undefined;
    await report();
    await sink.close();
    sink = undefined;

    const finalBars: Record<string, number> = {};
    const quality: Record<string, number> = {};
    let revisions = 0;
    for (const instrument of instruments) {
      for (const tf of DEMO_TIMEFRAMES) {
        const latest = new Map<number, Bar>();
        for (const bar of await readStreamRecords<Bar>(redis, keys.bars(instrument, tf))) {
          if (!bar.final) continue;
          if (bar.revision > 0) revisions += 1;
          latest.set(bar.start, bar);
        }
        finalBars[tf] = (finalBars[tf] ?? 0) + latest.size;
        for (const bar of latest.values()) {
          const b = band(bar.quality.score);
          quality[b] = (quality[b] ?? 0) + 1;
        }
      }
    }
    const summary: DemoSummary = {
      prefix,
      tradesSent: sent,
      tradesIn,
      finalBars,
      revisions,
      quality,
      cacheDir: resolve(config.cache.dir),
      database: config.database.url !== undefined,
      latency,
      ...(link === undefined ? {} : { dashboard: link }),
    };
    out(formatSummary(summary));
    if (options.serve && dashboard) {
      out(`demo: serving the dashboard at ${link} until Ctrl-C (--exit quits after the summary)\n`);
      await (options.untilStopped ?? untilSignal)();
      out('demo: stopping the dashboard\n');
    }
    return summary;
  } finally {
    if (progress) clearInterval(progress);
    await dashboard?.app.close().catch(() => undefined);
    await pipeline?.close().catch(() => undefined);
    await sink?.close().catch(() => undefined);
    await mock.close();
    redis.disconnect();
  }
}

export function formatSummary(s: DemoSummary): string {
  const lines = [
    'demo: done',
    `  trades in:       ${Object.entries(s.tradesIn)
      .map(([symbol, n]) => `${symbol} ${n}`)
      .join(', ')} (${s.tradesSent} frames replayed)`,
    `  final bars out:  ${DEMO_TIMEFRAMES.map((tf) => `${tf} ${s.finalBars[tf] ?? 0}`).join(', ')}` +
      ` (revisions ${s.revisions})`,
    `  quality scores:  ${Object.entries(s.quality)
      .sort(([a], [b]) => b.localeCompare(a))
      .map(([b, n]) => `${b}: ${n}`)
      .join(', ')}`,
    s.latency.bars === 0
      ? '  latency:         no bar was closed by a trade (all were flushed at the end of the replay)'
      : `  latency:         tick XADD to final bar p50 ${s.latency.p50} ms, p99 ${s.latency.p99} ms over ` +
        `${s.latency.bars} bars closed by trades (from the aggregator's histogram; event-time lateness not included)`,
    `  bars written to: bar streams ${s.prefix}:bars:{binance:*}:<tf>, file cache ${s.cacheDir}` +
      (s.database ? ', PostgreSQL (DATABASE_URL)' : ' (set DATABASE_URL to write PostgreSQL too)'),
    `  read them back:  tickline bars --venue binance --symbol BTCUSDT --timeframe 1m --from 2024-08-08T23:00:00Z --to 2024-08-09T01:00:00Z --source cache`,
    `  dashboard:       ${s.dashboard ?? 'none (no gateway in this demo)'}`,
    '',
  ];
  return lines.join('\n');
}
