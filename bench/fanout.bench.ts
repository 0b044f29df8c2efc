/**
 * `npm run bench -- fanout [subscribers] [bars/s] [seconds]` (issue 8, "Benchmark"): `tickline run gateway`
 * in a child process, `subscribers` WebSocket clients (default 200) spread over 20 instruments subscribing to
 * live 1m bars, and bars XADDed at `bars/s` (default 2,000) across the 20 bar streams for `seconds` (15).
 * Prints p50/p99 delivery latency from each bar's XADD to its receipt by each client, the delivered count, and
 * the gateway's RSS once a second. The clients run in this process, on the same cores as the gateway.
 * Uses its own key prefix on REDIS_URL (default the local Redis) and deletes its keys at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRedis, msgpackCodec, streamKeys, type RedisClient } from '@tickline/bus';
import { freePort } from '@tickline/testkit';
import WebSocket from 'ws';

const INSTRUMENTS = 20;
const TOKEN = 'bench-read-token-0123456789';
const symbols = Array.from({ length: INSTRUMENTS }, (_, i) => `S${String(i).padStart(2, '0')}USDT`);
const root = path.join(__dirname, '..');
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startGateway(prefix: string, port: number): ChildProcess {
  const main = path.join(root, 'packages', 'cli', 'src', 'main.ts');
  return spawn(
    process.execPath,
    ['--max-semi-space-size=64', '-r', path.join(root, 'scripts', 'ts-register.js'), main, 'run', 'gateway'],
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

/** Opens the clients; each records latency against the send time of the bar it receives. */
async function subscribe(port: number, count: number, sent: Map<string, number>, latencies: number[]) {
  const clients: WebSocket[] = [];
  let acknowledged = 0;
  for (let c = 0; c < count; c++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type: string; bar?: { symbol: string; start: string } };
      if (frame.type === 'subscribed') acknowledged++;
      if (frame.bar === undefined) return;
      const at = sent.get(`${frame.bar.symbol}/${frame.bar.start}`);
      if (at !== undefined) latencies.push(performance.now() - at);
    });
    const instrument = `binance:${symbols[c % INSTRUMENTS]!}`;
    ws.send(JSON.stringify({ op: 'subscribe', id: 'b', channel: 'bars', instrument, timeframe: '1m' }));
    clients.push(ws);
  }
  while (acknowledged < count) await sleep(50);
  return clients;
}

/** XADDs bars at `rate` per second for `seconds`, one pipeline every 10 ms; samples the gateway's RSS. */
async function produce(
  redis: RedisClient,
  prefix: string,
  rate: number,
  seconds: number,
  pid: number,
  sent: Map<string, number>,
) {
  const keys = streamKeys(prefix);
  const base = Date.UTC(2025, 0, 1);
  const rss: number[] = [];
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    const pipeline = redis.pipeline();
    const batch: string[] = [];
    for (; n < due; n++) {
      const symbol = symbols[n % INSTRUMENTS]!;
      const start = base + Math.floor(n / INSTRUMENTS) * 60_000;
      const bar = {
        venue: 'binance',
        symbol,
        timeframe: '1m',
        start,
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
        volume: 1,
        trades: 1,
        vwap: 1.2,
        final: true,
        revision: 0,
        quality: { score: 1, flags: [] },
        source: 'live',
      };
      const key = keys.bars({ venue: 'binance', symbol }, '1m');
      pipeline.xadd(key, 'MAXLEN', '~', '10000', '*', 'v', '1', 'd', msgpackCodec.encode(bar));
      batch.push(`${symbol}/${new Date(start).toISOString()}`);
    }
    const at = performance.now();
    for (const key of batch) sent.set(key, at);
    await pipeline.exec();
    if (Math.floor((performance.now() - started) / 1000) > rss.length) rss.push(rssMb(pid));
    await sleep(10);
  }
  return { bars: n, rss };
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
  const [subscribers = 200, rate = 2000, seconds = 15] = args.map(Number);
  const prefix = `tlbench-fanout-${process.pid}`;
  const port = await freePort();
  const child = startGateway(prefix, port);
  const redis = createRedis({ url, name: 'tickline-bench' });
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
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const clients = await subscribe(port, subscribers, sent, latencies);
    await sleep(1500); // every subscription's XREAD has read its stream's end
    const before = rssMb(child.pid!);
    const { bars, rss } = await produce(redis, prefix, rate, seconds, child.pid!, sent);
    await sleep(2000);
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(1);
    const expected = Math.round((bars * subscribers) / INSTRUMENTS);
    console.log(
      `fanout: ${subscribers} subscribers on ${INSTRUMENTS} instruments, ${bars} bars in ${seconds} s (${(bars / seconds).toFixed(0)}/s)`,
    );
    console.log(
      `delivered ${latencies.length} of ${expected}; XADD -> client latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`,
    );
    console.log(
      `gateway RSS MB: ${before.toFixed(0)} before, then per second ${rss.map((m) => m.toFixed(0)).join(' ')}`,
    );
    for (const ws of clients) ws.terminate();
  } finally {
    child.kill('SIGTERM');
    await cleanup(redis, prefix);
    redis.disconnect();
  }
}
