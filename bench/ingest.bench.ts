/**
 * `npm run bench -- ingest [messages] [rounds]`: the Binance mock at max speed into the ingestor (BinanceFeed +
 * one StreamPublisher) into Redis, against a raw loop in the same run (issue 3, "Benchmarks").
 *
 * - The mock runs in a child process (so this process's RSS is the ingestor's, and the two do not share an
 *   event loop) and sends `messages` trade frames of one symbol pre-encoded, 512 per socket write
 *   (`publishBatch`), each chunk stamped with its build time as event time `T`: latency = XADD ack - `T`.
 * - tickline: BinanceFeed (mapping with validation, sequence and de-duplication checks) -> Ingestor (with the
 *   service's prom-client metrics) -> Redis.
 * - raw: a bare `ws` client, JSON.parse of each frame, the same trade record, 256 records per msgpack entry,
 *   pipelined XADD, one round trip in flight with up to 16 entries (how the bus batches).
 * - RSS of this process (after full collections) once warm (see warmUp) and after the measured rounds.
 * - Validation cost per frame (JSON.parse, the mapper, zod), measured in this process.
 *
 * Uses its own key prefix on REDIS_URL and deletes its keys at the end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { createRedis, ENTRY_SCHEMA_VERSION, msgpackCodec, streamKeys } from '@tickline/bus';
import { Ingestor, registerIngestMetrics, type IngestMetrics } from '@tickline/ingestor-service';
import { Registry } from 'prom-client';
import {
  BinanceFeed,
  BinanceMockServer,
  TradePayloadSchema,
  envelope,
  mapBinanceFrame,
  tradePayload,
} from '@tickline/venues';

const PER_ENTRY = 256;
const ENTRIES_PER_ROUND_TRIP = 16;
const STREAM = 'btcusdt@trade';
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connect = () => createRedis({ url, name: 'tickline-bench', commandTimeoutMs: 30_000 });

// ---- mock side (child process) ----

/** Frames per socket write: each chunk is stamped with the time it is built (its trades' `T`). */
const CHUNK = 512;

/** Sends trades firstId.. in pre-encoded chunks, as fast as the subscriber reads (see publishBatch). */
async function blast(mock: BinanceMockServer, n: number, firstId: number): Promise<void> {
  await mock.waitForSubscription(STREAM);
  for (let sent = 0; sent < n; sent += CHUNK) {
    const time = Date.now();
    const payloads: string[] = [];
    for (let i = sent; i < Math.min(n, sent + CHUNK); i++) {
      payloads.push(
        tradePayload({ symbol: 'BTCUSDT', id: firstId + i, price: '61837.63', qty: '0.01', time }),
      );
    }
    await mock.publishBatch(STREAM, payloads, 1 << 20);
  }
}

async function mockChild(): Promise<void> {
  // Binance's own ping period (20 s) and pong deadline: a slow run must not be cut by the mock.
  const mock = await BinanceMockServer.start();
  let nextId = 1;
  process.on('message', (message: { play: number }) => {
    const firstId = nextId;
    nextId += message.play;
    void blast(mock, message.play, firstId).then(() => process.send!({ done: true }));
  });
  process.send!({ url: mock.url });
}

if (process.env.TICKLINE_INGEST_BENCH_ROLE === 'mock') void mockChild();

class MockProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<MockProcess> {
    const child = fork(__filename, [], {
      env: { ...process.env, TICKLINE_INGEST_BENCH_ROLE: 'mock' },
      execArgv: ['--max-semi-space-size=64', '-r', join(__dirname, '../scripts/ts-register.js')],
    });
    const origin = await new Promise<string>((resolve) =>
      child.once('message', (m: { url: string }) => resolve(m.url)),
    );
    return new MockProcess(child, origin);
  }

  /** Plays n frames once a subscriber is there; resolves when all were sent. */
  play(n: number): Promise<void> {
    const done = new Promise<void>((resolve) => this.child.once('message', () => resolve()));
    this.child.send({ play: n });
    return done;
  }

  stop(): void {
    this.child.kill();
  }
}

// ---- measuring ----

/** Latencies in 0.1 ms bins up to 60 s: percentiles without keeping millions of samples. */
class LatencyBins {
  private readonly bins = new Uint32Array(600_000);
  count = 0;
  firstAt = 0;
  lastAt = 0;

  add(ms: number): void {
    this.bins[Math.min(this.bins.length - 1, Math.max(0, Math.round(ms * 10)))]! += 1;
    this.count += 1;
  }

  percentile(p: number): number {
    const target = Math.ceil(this.count * p);
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen >= target) return i / 10;
    }
    return Infinity;
  }
}

/** Waits until `n` latencies are in; fails (instead of hanging) when none arrive for 60 s. */
async function waitForAll(bins: LatencyBins, n: number, what: string): Promise<void> {
  let seen = bins.count;
  let since = Date.now();
  while (bins.count < n) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (bins.count !== seen) [seen, since] = [bins.count, Date.now()];
    else if (Date.now() - since > 60_000) throw new Error(`${what}: stuck at ${seen} of ${n} trades`);
  }
}

interface RunResult {
  readonly tradesPerSecond: number;
  /** CPU time of this process per trade (user + system), µs: the capacity at one full core is 1e6 / this. */
  readonly cpuMicros: number;
  readonly p50: number;
  readonly p99: number;
}

async function ingestorRun(mock: MockProcess, prefix: string, n: number): Promise<RunResult> {
  const bins = new LatencyBins();
  let firstTrade = 0;
  // The service's own metrics (prom-client registry), observed by the bench on the way.
  const real = registerIngestMetrics(new Registry());
  const metrics: IngestMetrics = {
    ...real,
    trade: (venue, symbol) => {
      firstTrade ||= Date.now();
      real.trade(venue, symbol);
    },
    latency: (seconds) => {
      bins.add(seconds * 1000);
      real.latency(seconds);
    },
  };

  const feed = new BinanceFeed({
    wsUrl: mock.url,
    symbols: ['BTCUSDT'],
    quotes: false,
    watchdog: { minSilenceMs: 60_000, linkTimeoutMs: 120_000 },
  });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const ingestor = new Ingestor({
    feeds: [feed],
    redis: connect(),
    keys: streamKeys(prefix),
    metrics,
    logger: quiet,
  });
  await ingestor.start();
  const cpu = process.cpuUsage();
  await mock.play(n);
  await waitForAll(bins, n, 'tickline run');
  const seconds = (Date.now() - firstTrade) / 1000;
  const cpuMicros = cpuPerTrade(cpu, n);
  await ingestor.stop();
  if (ingestor.counts.trades !== n || ingestor.counts.gaps + ingestor.counts.rejects > 0)
    throw new Error(
      `ingestor saw ${ingestor.counts.trades} trades, ${ingestor.counts.gaps} gaps, ${ingestor.counts.rejects} rejects`,
    );
  return { tradesPerSecond: n / seconds, cpuMicros, p50: bins.percentile(0.5), p99: bins.percentile(0.99) };
}

function cpuPerTrade(since: NodeJS.CpuUsage, n: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / n;
}

/** JSON.parse + the same record + pipelined XADD of 256-record entries, one round trip in flight. */
async function rawRun(mock: MockProcess, prefix: string, n: number): Promise<RunResult> {
  const redis = connect();
  const key = streamKeys(prefix).ticks({ venue: 'binance', symbol: 'RAW' });
  const bins = new LatencyBins();
  const entries: { records: unknown[]; times: number[] }[] = [];
  let batch: unknown[] = [];
  let times: number[] = [];
  let inFlight = false;
  let firstAt = 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  const cut = () => {
    if (batch.length > 0) entries.push({ records: batch, times });
    batch = [];
    times = [];
  };
  const send = (): void => {
    if (inFlight || entries.length === 0) return;
    inFlight = true;
    const pipeline = redis.pipeline();
    const sending = entries.splice(0, ENTRIES_PER_ROUND_TRIP);
    for (const e of sending) {
      pipeline.xadd(
        key,
        '*',
        'v',
        ENTRY_SCHEMA_VERSION,
        'n',
        e.records.length,
        'd',
        msgpackCodec.encode(e.records),
      );
    }
    void pipeline.exec().then(() => {
      const ackedAt = Date.now();
      for (const e of sending) for (const t of e.times) bins.add(ackedAt - t);
      inFlight = false;
      send();
    });
  };
  const ws = new WebSocket(`${mock.url}/stream?streams=${STREAM}`);
  ws.on('message', (data: Buffer) => {
    const trade = (JSON.parse(data.toString()) as { data: Record<string, unknown> }).data;
    firstAt ||= Date.now();
    const ts = trade.T as number;
    batch.push({
      venue: 'binance',
      symbol: trade.s,
      ts,
      recvTs: Date.now(),
      price: Number(trade.p),
      size: Number(trade.q),
      side: trade.m === true ? 'sell' : 'buy',
      id: String(trade.t),
    });
    times.push(ts);
    if (batch.length >= PER_ENTRY) {
      cut();
      send();
    } else lingerTimer ??= setTimeout(() => ((lingerTimer = undefined), cut(), send()), 2);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const cpu = process.cpuUsage();
  await mock.play(n);
  await waitForAll(bins, n, 'raw run');
  const seconds = (Date.now() - firstAt) / 1000;
  const cpuMicros = cpuPerTrade(cpu, n);
  ws.close();
  clearTimeout(lingerTimer);
  redis.disconnect();
  return { tradesPerSecond: n / seconds, cpuMicros, p50: bins.percentile(0.5), p99: bins.percentile(0.99) };
}

async function deletePrefix(prefix: string): Promise<void> {
  const redis = connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

/** µs per item of `step` over `items`, best of three passes (the machine is shared: noise only adds). */
function microsPer<T>(items: readonly T[], step: (item: T) => unknown): number {
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const start = process.hrtime.bigint();
    for (const item of items) step(item);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / items.length);
  }
  return best;
}

/** What validation costs per trade frame, in this process, against JSON.parse alone. */
function validationCost(): string[] {
  const frames = Array.from({ length: 100_000 }, (_, i) =>
    envelope(
      STREAM,
      tradePayload({ symbol: 'BTCUSDT', id: i + 1, price: '61837.63', qty: '0.01', time: 1e12 + i }),
    ),
  );
  const payloads = frames.map((f) => (JSON.parse(f) as { data: unknown }).data);
  const known = { isKnownSymbol: (s: string) => s === 'BTCUSDT' };
  const parse = microsPer(frames, (f) => JSON.parse(f));
  const mapped = microsPer(frames, (f) => mapBinanceFrame(f, 0, known));
  const zod = microsPer(payloads, (d) => TradePayloadSchema.safeParse(d));
  return [
    `validation per trade frame: JSON.parse ${parse.toFixed(2)} µs; mapBinanceFrame (what the feed runs: parse,`,
    `  fast-path checks, the Trade) ${mapped.toFixed(2)} µs, i.e. ${(mapped - parse).toFixed(2)} µs beyond parsing;`,
    `  zod TradePayloadSchema.safeParse of a parsed payload ${zod.toFixed(2)} µs (paid only by frames the fast path refuses)`,
  ];
}

/**
 * RSS after full collections: what the ingestor keeps, not how much garbage the young generation
 * (64 MB semi-spaces) happened to hold at the moment of reading.
 */
function settledRss(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().rss;
}

/** Settled RSS may grow by this much between warm-up rounds and still count as steady. */
const STEADY_BYTES = 5 * 1024 * 1024;
const MAX_WARM_ROUNDS = 10;

/**
 * Warm-up (JIT, pools, Redis, and V8 growing its heap to its working size): rounds of `messages` through the
 * ingestor until the settled RSS grew by less than STEADY_BYTES in each of two rounds in a row, at most
 * MAX_WARM_ROUNDS. One round was not enough: V8 may still be growing its heap, and that growth showed as
 * tens of MB "after warm-up" in one run and none in the next. Returns the settled RSS at the end.
 */
async function warmUp(mock: MockProcess, prefix: string, messages: number): Promise<number> {
  await rawRun(mock, prefix, messages);
  await deletePrefix(prefix);
  const trail = [settledRss()];
  for (let round = 0; round < MAX_WARM_ROUNDS; round++) {
    await ingestorRun(mock, prefix, messages);
    await deletePrefix(prefix);
    trail.push(settledRss());
    // Steady: two rounds in a row grew by less than STEADY_BYTES each (V8 grows its heap in steps).
    const growth = (back: number) => trail[trail.length - back]! - trail[trail.length - back - 1]!;
    if (round > 1 && growth(1) < STEADY_BYTES && growth(2) < STEADY_BYTES) break;
  }
  console.log(
    `warm-up: ${trail.length - 1} rounds of ${fmt(messages)} messages, settled RSS ${trail.map(mb).join(' -> ')}`,
  );
  return trail[trail.length - 1]!;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

/** args: [messages per run (default 5,000,000, as the issue asks for the RSS check), rounds (default 1)]. */
export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 5_000_000);
  const rounds = Number(args[1] ?? 1);
  const prefix = `tlbench-${randomBytes(4).toString('hex')}`;
  const mock = await MockProcess.start();
  try {
    const rssBefore = await warmUp(mock, `${prefix}w`, Math.min(n, 500_000));
    const rows: { name: string; result: RunResult }[] = [];
    for (let r = 0; r < rounds; r++) {
      rows.push({ name: 'tickline', result: await ingestorRun(mock, `${prefix}${r}`, n) });
      const rssAfter = settledRss();
      rows.push({ name: 'raw', result: await rawRun(mock, `${prefix}${r}`, n) });
      await deletePrefix(`${prefix}${r}`);
      console.log(
        `round ${r + 1}: ingestor RSS ${mb(rssBefore)} after warm-up, ${mb(rssAfter)} after ${fmt(n)} messages (+${mb(rssAfter - rssBefore)})`,
      );
    }
    console.log(
      `\ningest bench: ${fmt(n)} trade frames per run, mock at max speed in another process, ${url.replace(/\/\/[^@]*@/, '//')}`,
    );
    console.log('run       trades/s   p50 ms   p99 ms   cpu µs/trade   trades/s at one full core');
    for (const { name, result } of rows) {
      const cells = [
        fmt(result.tradesPerSecond).padStart(9),
        result.p50.toFixed(1).padStart(8),
        result.p99.toFixed(1).padStart(8),
        result.cpuMicros.toFixed(2).padStart(14),
        fmt(1e6 / result.cpuMicros).padStart(27),
      ];
      console.log(`${name.padEnd(8)} ${cells.join(' ')}`);
    }
    console.log(
      '(latency: frame built and sent by the mock -> XADD ack, so it includes time queued in socket buffers)',
    );
    for (const line of validationCost()) console.log(line);
    const tick = rows.filter((r) => r.name === 'tickline').map((r) => r.result.tradesPerSecond);
    const raw = rows.filter((r) => r.name === 'raw').map((r) => r.result.tradesPerSecond);
    const ratio = tick.reduce((a, b) => a + b, 0) / raw.reduce((a, b) => a + b, 0);
    const cpuOf = (name: string) =>
      rows.filter((r) => r.name === name).reduce((a, r) => a + r.result.cpuMicros, 0);
    console.log(`CPU ratio raw / tickline per trade: ${(cpuOf('raw') / cpuOf('tickline')).toFixed(2)}`);
    console.log(
      `\nratio tickline / raw: ${ratio.toFixed(2)} (goal >= 0.7); goal >= 200,000 trades/s: ${Math.min(...tick) >= 200_000 ? 'met' : 'NOT met'}`,
    );
  } finally {
    mock.stop();
  }
}
