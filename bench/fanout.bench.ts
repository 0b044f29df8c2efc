/**
 * `npm run bench -- fanout [subscribers] [bars/s] [seconds] [warm-up seconds]` (issue 8, "Benchmark"):
 * `tickline run gateway` in a child process, `subscribers` WebSocket clients (default 200) spread over 20
 * instruments subscribing to live 1m bars, and bars XADDed at `bars/s` (default 2,000) across the 20 bar
 * streams for `seconds` (15), after a warm-up at the same rate (3 s). Prints p50/p99 delivery latency from
 * each bar's XADD to its receipt by each client, the delivered count, and the gateway's RSS and V8 heap once
 * a second. The warm-up's latencies are printed apart: in the first fraction of a second every process runs
 * its delivery path for the first time (V8 compiles it), which delays a few thousand frames by 30-100 ms,
 * once per process lifetime, and would alone decide a p99 over a 15 s run.
 *
 * Three processes: the gateway, the clients (this file again, `fanout --clients`), and this one producing.
 * The clients parse every frame, as real ones do; they run apart from the producer so that neither delays the
 * other's clock readings. Each bar carries its XADD time (high-resolution wall clock, `performance.timeOrigin
 * + performance.now()`, comparable across processes) in its `volume` field. FANOUT_GATEWAY_FLAGS adds node
 * flags to the gateway (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). Uses its own key prefix on REDIS_URL
 * (default the local Redis) and deletes its keys at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { createRedis, msgpackCodec, streamKeys, type RedisClient } from '@tickline/bus';
import { freePort } from '@tickline/testkit';
import WebSocket from 'ws';

const INSTRUMENTS = 20;
const TOKEN = 'bench-read-token-0123456789';
const CLIENTS_ROLE = '--clients';
const symbols = Array.from({ length: INSTRUMENTS }, (_, i) => `S${String(i).padStart(2, '0')}USDT`);
const root = path.join(__dirname, '..');
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NODE_FLAGS = ['--max-semi-space-size=64'];

const wallClock = () => performance.timeOrigin + performance.now();
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
/** CPU time the process has used (user + system), seconds. */
const cpuSeconds = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Latency quantiles in ms and how many bars they are of. */
interface LatencyReport {
  readonly received: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** The clients' report: the measured bars, and the warm-up's apart. */
interface ClientsReport extends LatencyReport {
  readonly warmUp: LatencyReport;
}

/** Latency samples in ms, growing as needed. */
class Latencies {
  private samples = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  report(): LatencyReport {
    const { count } = this;
    const sorted = this.samples.subarray(0, count).sort();
    const q = (p: number) => sorted[Math.min(count - 1, Math.floor(p * count))] ?? NaN;
    return { received: count, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: q(1) };
  }
}

function startGateway(prefix: string, port: number): ChildProcess {
  const main = path.join(root, 'packages', 'cli', 'src', 'main.ts');
  const extra = (process.env.FANOUT_GATEWAY_FLAGS ?? '').split(/\s+/).filter(Boolean);
  return spawn(
    process.execPath,
    [...NODE_FLAGS, ...extra, '-r', path.join(root, 'scripts', 'ts-register.js'), main, 'run', 'gateway'],
    {
      env: {
        ...process.env,
        REDIS_URL: url,
        TICKLINE_PREFIX: prefix,
        TICKLINE_GATEWAY_PORT: String(port),
        TICKLINE_METRICS_PORT: '0',
        TICKLINE_GATEWAY_READ_TOKEN: TOKEN,
        TICKLINE_LOG_LEVEL: 'warn',
        TICKLINE_HEARTBEAT_INTERVAL_MS: '0',
        TICKLINE_INSTRUMENTS: symbols.map((s) => `binance:${s}`).join(','),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

/** The clients' process: this bench again, in the clients role; it says `ready`, then reports on `stop`. */
function startClients(port: number, count: number): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(
    process.execPath,
    [
      ...NODE_FLAGS,
      path.join(root, 'scripts', 'bench.js'),
      'fanout',
      CLIENTS_ROLE,
      String(port),
      String(count),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, lines };
}

async function nextLine(lines: AsyncIterator<string>, what: string): Promise<string> {
  const line = await lines.next();
  if (line.done) throw new Error(`the clients' process ended before ${what}`);
  return line.value;
}

/** The clients' role: opens `count` subscriptions, records each bar's latency, reports on `stop` (stdin). */
async function runClients(port: number, count: number): Promise<void> {
  const [measured, warmUp] = [new Latencies(), new Latencies()];
  let acknowledged = 0;
  const clients: WebSocket[] = [];
  for (let c = 0; c < count; c++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      perMessageDeflate: false,
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('message', (data: Buffer) => {
      const at = wallClock();
      const frame = JSON.parse(data.toString()) as { type: string; bar?: { volume: number; trades: number } };
      if (frame.type === 'subscribed') acknowledged++;
      if (frame.bar === undefined) return;
      // The producer marks the warm-up's bars with trades 0.
      (frame.bar.trades === 0 ? warmUp : measured).add(at - frame.bar.volume);
    });
    const instrument = `binance:${symbols[c % INSTRUMENTS]!}`;
    ws.send(JSON.stringify({ op: 'subscribe', id: 'b', channel: 'bars', instrument, timeframe: '1m' }));
    clients.push(ws);
  }
  while (acknowledged < count) await sleep(50);
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) if (line === 'stop') break;
  const report: ClientsReport = { ...measured.report(), warmUp: warmUp.report() };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const ws of clients) ws.terminate();
}

/** The gateway's V8 heap in use, MB, from its /metrics. */
async function heapMb(port: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  return Number(/^tickline_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN) / 2 ** 20;
}

/**
 * XADDs bars at `rate` per second for `seconds`, one pipeline every 10 ms; samples the gateway's memory. The
 * bars of a warm-up (`measured` false) carry trades 0.
 */
async function produce(
  redis: RedisClient,
  prefix: string,
  rate: number,
  seconds: number,
  gateway: Gateway,
  /** Bars produced before (bar n has the n-th start of its stream: a bar key never comes twice). */
  before = 0,
  measured = true,
) {
  const keys = streamKeys(prefix);
  const base = Date.UTC(2025, 0, 1);
  const memory: { rss: number; heap: number }[] = [];
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    const pipeline = redis.pipeline();
    const sentAt = wallClock(); // before encoding: the latency measured includes it
    for (; n < due; n++) {
      const symbol = symbols[(before + n) % INSTRUMENTS]!;
      const start = base + Math.floor((before + n) / INSTRUMENTS) * 60_000;
      const bar = {
        venue: 'binance',
        symbol,
        timeframe: '1m',
        start,
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
        volume: sentAt,
        trades: measured ? 1 : 0,
        vwap: 1.2,
        final: true,
        revision: 0,
        quality: { score: 1, flags: [] },
        source: 'live',
      };
      const key = keys.bars({ venue: 'binance', symbol }, '1m');
      pipeline.xadd(key, 'MAXLEN', '~', '10000', '*', 'v', '1', 'd', msgpackCodec.encode(bar));
    }
    await pipeline.exec();
    if (Math.floor((performance.now() - started) / 1000) > memory.length) {
      memory.push({ rss: rssMb(gateway.pid), heap: await heapMb(gateway.port) });
    }
    await sleep(10);
  }
  return { bars: n, memory };
}

interface Gateway {
  readonly pid: number;
  readonly port: number;
}

async function cleanup(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (found.length > 0) await redis.unlink(...found);
    cursor = next;
  } while (cursor !== '0');
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === CLIENTS_ROLE) return runClients(Number(args[1]), Number(args[2]));
  const [subscribers = 200, rate = 2000, seconds = 15, warmUpSeconds = 3] = args.map(Number);
  const prefix = `tlbench-fanout-${process.pid}`;
  const port = await freePort();
  const child = startGateway(prefix, port);
  const gateway: Gateway = { pid: child.pid!, port };
  const redis = createRedis({ url, name: 'tickline-bench' });
  let clients: ChildProcess | undefined;
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (i > 150) throw new Error('the gateway did not start within 30 s');
      await sleep(200);
    }
    const started = startClients(port, subscribers);
    clients = started.child;
    if ((await nextLine(started.lines, 'subscribing')) !== 'ready') throw new Error('clients not ready');
    await sleep(1500); // every shared reader has read its stream's end
    const idle = rssMb(gateway.pid);
    const warmUp = await produce(redis, prefix, rate, warmUpSeconds, gateway, 0, false);
    const before = { rss: rssMb(gateway.pid), heap: await heapMb(port) };
    const cpu = { gateway: cpuSeconds(gateway.pid), clients: cpuSeconds(clients.pid!) };
    const { bars, memory } = await produce(redis, prefix, rate, seconds, gateway, warmUp.bars);
    await sleep(2000);
    const gatewayCpu = cpuSeconds(gateway.pid) - cpu.gateway;
    const clientsCpu = cpuSeconds(clients.pid!) - cpu.clients;
    clients.stdin!.write('stop\n');
    const report = JSON.parse(await nextLine(started.lines, 'reporting')) as ClientsReport;
    const expected = Math.round((bars * subscribers) / INSTRUMENTS);
    const ms = (value: number) => value.toFixed(1);
    const mb = (values: number[]) => values.map((m) => m.toFixed(0)).join(' ');
    console.log(
      `fanout: ${subscribers} subscribers on ${INSTRUMENTS} instruments, ${bars} bars in ${seconds} s (${(bars / seconds).toFixed(0)}/s)`,
    );
    console.log(
      `delivered ${report.received} of ${expected}; XADD -> client latency p50 ${ms(report.p50)} ms, ` +
        `p99 ${ms(report.p99)} ms, p99.9 ${ms(report.p999)} ms, max ${ms(report.max)} ms`,
    );
    const warm = report.warmUp;
    console.log(
      `warm-up (${warmUpSeconds} s before, not counted above): ${warm.received} delivered, p50 ${ms(warm.p50)} ms, ` +
        `p99 ${ms(warm.p99)} ms, max ${ms(warm.max)} ms`,
    );
    console.log(
      `CPU during the run: gateway ${gatewayCpu.toFixed(1)} s (${((gatewayCpu * 1e6) / report.received).toFixed(1)} µs ` +
        `per frame delivered), clients ${clientsCpu.toFixed(1)} s; machine load ${os.loadavg()[0]!.toFixed(1)} ` +
        `on ${os.cpus().length} cores (latency is only meaningful on an otherwise idle machine)`,
    );
    console.log(
      `gateway RSS MB: ${idle.toFixed(0)} idle, ${before.rss.toFixed(0)} after the warm-up, then per second ` +
        mb(memory.map((m) => m.rss)),
    );
    console.log(
      `gateway heap used MB: ${before.heap.toFixed(0)} after the warm-up, then per second ${mb(memory.map((m) => m.heap))}`,
    );
  } finally {
    clients?.kill('SIGTERM');
    child.kill('SIGTERM');
    await cleanup(redis, prefix);
    redis.disconnect();
  }
}
