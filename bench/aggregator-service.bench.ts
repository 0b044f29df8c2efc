/**
 * `npm run bench -- aggregator-service [trades] [latencySeconds]`: the aggregator service, Redis in and out
 * (issue 4, "Benchmarks").
 *
 * - throughput: `trades` (default 1,000,000) trades of 10 instruments XADDed beforehand (256 a entry, like
 *   the ingestor's batches), then the service (in this process, live mode on event time, the six default
 *   timeframes) consumes them all, committing state, position and final bars per batch: trades/s from its
 *   start to the last entry acknowledged. Against a raw baseline in the same run on the same streams (another
 *   group): plain XREADGROUP + msgpack decode + 1m OHLCV in a Map + the finished bars XADDed in the same
 *   pipeline as the XACK. No de-duplication, lateness, quality, snapshot or atomic commit.
 * - latency: a live feed for `latencySeconds` (default 30): every 10 ms per instrument one entry of trades
 *   stamped now; 1s and 1m bars. Per final 1s bar, from the XADD of its last tick to the XADD of the final
 *   bar, both read from the entry ids (Redis's clock): p50/p99/max against the goal allowed lateness + 50 ms.
 *   The service runs in a process of its own (this file again, `aggregator-service --service <prefix>`), as
 *   in production, apart from the feed: a feed sharing its event loop would send the closing tick late
 *   whenever the service is busy, and that delay would be counted as the service's. AGGREGATOR_FLAGS adds
 *   node flags to that process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 *
 * Uses its own key prefixes on REDIS_URL (default the local Redis) and deletes them at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type Redis from 'ioredis';
import { type AggregatorOptions, createAggregatorService } from '@tickline/aggregator-service';
import {
  createRedis,
  ENTRY_SCHEMA_VERSION,
  msgpackCodec,
  parseReadReply,
  readStreamRecords,
  streamKeys,
} from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import type { Bar, InstrumentRef, Trade } from '@tickline/core';
import { startApp } from '@tickline/runtime';
import { deleteKeysWithPrefix } from '@tickline/testkit';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const INSTRUMENTS: InstrumentRef[] = Array.from({ length: 10 }, (_, i) => ({
  venue: 'binance',
  symbol: `BENCH${i}USDT`,
}));
const PER_ENTRY = 256;
const LATENESS_MS = 2000;
const SERVICE_ROLE = '--service';
const LATENCY_TIMEFRAMES = ['1s', '1m'] as const;
const connect = () => createRedis({ url: REDIS_URL, name: 'tickline-bench', commandTimeoutMs: 30_000 });
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `count` trades of one instrument, 100 ms of event time apart (about 2.8 h for 100,000). */
function trades(instrument: InstrumentRef, count: number): Trade[] {
  const t0 = Date.UTC(2025, 0, 1, 22);
  return Array.from({ length: count }, (_, i) => ({
    ...instrument,
    ts: t0 + i * 100,
    recvTs: t0 + i * 100 + 3,
    price: 100 + ((i * 7919) % 5000) / 100,
    size: ((i % 97) + 1) / 1000,
    side: i % 2 ? 'buy' : 'sell',
    id: String(4_200_000_000 + i),
  }));
}

async function publish(redis: Redis, key: string, list: readonly Trade[]): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < list.length; i += PER_ENTRY) {
    const chunk = list.slice(i, i + PER_ENTRY);
    pipeline.xadd(key, '*', 'v', ENTRY_SCHEMA_VERSION, 'n', chunk.length, 'd', msgpackCodec.encode(chunk));
  }
  return ((await pipeline.exec()) ?? []).map(([, id]) => String(id));
}

async function drained(redis: Redis, keys: readonly string[], group: string): Promise<boolean> {
  for (const key of keys) {
    const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
    const info = groups.find((g) => g[g.indexOf('name') + 1] === group);
    if (!info || info[info.indexOf('lag') + 1] !== 0 || info[info.indexOf('pending') + 1] !== 0) return false;
  }
  return true;
}

function serviceConfig(prefix: string) {
  return loadConfig({
    env: {
      REDIS_URL,
      TICKLINE_PREFIX: prefix,
      TICKLINE_INSTRUMENTS: INSTRUMENTS.map((i) => `${i.venue}:${i.symbol}`).join(','),
      TICKLINE_METRICS_PORT: '0',
      TICKLINE_LOG_LEVEL: 'warn',
    },
  });
}

/** Seconds for the service to consume every tick stream from the start. */
async function serviceRun(redis: Redis, prefix: string, ticks: readonly string[]): Promise<number> {
  // Live mode: its wall clock would only act once the backlog is consumed (it waits for a quiet instrument).
  const options: AggregatorOptions = { consumer: 'bench' };
  const started = performance.now();
  const app = await startApp({ services: [createAggregatorService(options)], config: serviceConfig(prefix) });
  while (!(await drained(redis, ticks, 'aggregator'))) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  return seconds;
}

type Ohlcv = Pick<Bar, 'start' | 'open' | 'high' | 'low' | 'close' | 'volume'>;

/** The raw baseline on one stream: XREADGROUP, decode, 1m OHLCV, XADD finished bars + XACK pipelined. */
async function rawConsume(redis: Redis, key: string, out: string): Promise<void> {
  await redis.xgroup('CREATE', key, 'raw', '0');
  let bar: Ohlcv | undefined;
  for (;;) {
    const reply = await redis.callBuffer(
      'XREADGROUP',
      'GROUP',
      'raw',
      'r',
      'COUNT',
      500,
      'STREAMS',
      key,
      '>',
    );
    const entries = parseReadReply(reply);
    if (entries.length === 0) return;
    const finished: Ohlcv[] = [];
    for (const entry of entries) {
      for (const t of msgpackCodec.decode(entry.fields!.get('d')!) as Trade[]) {
        const start = t.ts - (t.ts % 60_000);
        if (bar && bar.start === start) {
          if (t.price > bar.high) bar.high = t.price;
          if (t.price < bar.low) bar.low = t.price;
          bar.close = t.price;
          bar.volume += t.size;
          continue;
        }
        if (bar) finished.push(bar);
        bar = { start, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.size };
      }
    }
    const pipeline = redis.pipeline();
    if (finished.length > 0)
      pipeline.xadd(out, '*', 'v', ENTRY_SCHEMA_VERSION, 'd', msgpackCodec.encode(finished));
    pipeline.xack(key, 'raw', ...entries.map((e) => e.id));
    await pipeline.exec();
  }
}

async function throughput(redis: Redis, prefix: string, total: number): Promise<void> {
  const keys = streamKeys(prefix);
  const ticks = INSTRUMENTS.map((i) => keys.ticks(i));
  const per = Math.ceil(total / INSTRUMENTS.length);
  for (const [n, instrument] of INSTRUMENTS.entries())
    await publish(redis, ticks[n]!, trades(instrument, per));
  const n = per * INSTRUMENTS.length;
  const rawStarted = performance.now();
  // One connection per stream, as the service has one consumer (and one blocking connection) per instrument.
  const clients = INSTRUMENTS.map(() => connect());
  await Promise.all(ticks.map((key, i) => rawConsume(clients[i]!, key, `${prefix}:raw:${key}`)));
  const rawSeconds = (performance.now() - rawStarted) / 1000;
  clients.forEach((c) => c.disconnect());
  const serviceSeconds = await serviceRun(redis, prefix, ticks);
  const finals = (await readStreamRecords<Bar>(redis, keys.bars(INSTRUMENTS[0]!, '1m'))).length;
  console.log(
    `aggregator-service bench: ${fmt(n)} trades, ${INSTRUMENTS.length} instruments, ${PER_ENTRY} an entry`,
  );
  console.log(`  raw XREADGROUP + 1m OHLCV + XADD   ${fmt(n / rawSeconds)} trades/s`);
  console.log(
    `  aggregator service (6 timeframes) ${fmt(n / serviceSeconds)} trades/s (goal >= 250,000); ` +
      `${fmt(finals)} final 1m bars of one instrument`,
  );
  console.log(`  ratio service / raw               ${(rawSeconds / serviceSeconds).toFixed(2)}`);
}

const idMs = (id: string) => Number(id.slice(0, id.indexOf('-')));

/** The service role: the latency run's aggregator, until stdin closes; says `ready` once started. */
async function runService(prefix: string): Promise<void> {
  const app = await startApp({
    services: [
      createAggregatorService({ timeframes: [...LATENCY_TIMEFRAMES], allowedLatenessMs: LATENESS_MS }),
    ],
    config: serviceConfig(prefix),
  });
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) if (line === 'stop') break;
  await app.close();
}

/** Starts the service role in a child process; resolves once it is consuming, with a function that stops it. */
async function startServiceProcess(prefix: string): Promise<() => Promise<void>> {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      ...(process.env.AGGREGATOR_FLAGS ?? '').split(/\s+/).filter(Boolean),
      path.join(__dirname, '..', 'scripts', 'bench.js'),
      'aggregator-service',
      SERVICE_ROLE,
      prefix,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done || first.value !== 'ready')
    throw new Error(`the aggregator process did not start (exit ${await exited})`);
  return async () => {
    child.stdin.end('stop\n');
    await exited;
  };
}

/** Live feed: per instrument one entry of `perEntry` trades stamped now every 10 ms; 1s bar latencies. */
async function latency(redis: Redis, prefix: string, seconds: number, perEntry = 20): Promise<void> {
  const keys = streamKeys(prefix);
  const stopService = await startServiceProcess(prefix);
  const lastTick = INSTRUMENTS.map(() => new Map<number, number>()); // 1s bar start -> last tick XADD ms
  const sent = INSTRUMENTS.map(() => [] as { ts: number; at: number }[]); // every entry: event time, XADD ms
  let seq = 0;
  let feedEnd = 0; // Redis time of the last tick XADD
  const end = Date.now() + seconds * 1000;
  try {
    while (Date.now() < end) {
      const now = Date.now();
      const pipeline = redis.pipeline();
      for (const instrument of INSTRUMENTS) {
        const batch = Array.from({ length: perEntry }, () => ({
          ...instrument,
          ts: now,
          recvTs: now,
          price: 100 + (seq % 50) / 10,
          size: 0.01,
          side: 'buy' as const,
          id: String(seq++),
        }));
        const fields = ['v', ENTRY_SCHEMA_VERSION, 'n', perEntry, 'd', msgpackCodec.encode(batch)] as const;
        pipeline.xadd(keys.ticks(instrument), '*', ...fields);
      }
      const ids = ((await pipeline.exec()) ?? []).map(([, id]) => String(id));
      ids.forEach((id, n) => {
        lastTick[n]!.set(now - (now % 1000), idMs(id));
        sent[n]!.push({ ts: now, at: idMs(id) });
      });
      feedEnd = Math.max(feedEnd, ...ids.map(idMs));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, now + 10 - Date.now())));
    }
    await new Promise((resolve) => setTimeout(resolve, LATENESS_MS + 1500)); // the last bars close by wall clock
  } finally {
    await stopService();
  }
  // Bars final while the feed ran closed on event time; the last ones closed by wall clock after it stopped.
  const [live, quiet, service] = [[] as number[], [] as number[], [] as number[]];
  for (const [n, instrument] of INSTRUMENTS.entries()) {
    // The entry whose event time lets the watermark pass a bar's end: the earliest the bar can be final.
    const closing = (barEnd: number) => sent[n]!.find((entry) => entry.ts - LATENESS_MS >= barEnd);
    for (const [id, fields] of await redis.xrangeBuffer(keys.bars(instrument, '1s'), '-', '+')) {
      const d = fields[fields.findIndex((f) => f.toString() === 'd') + 1]!;
      const at = idMs(id.toString());
      for (const bar of msgpackCodec.decode(d) as Bar[]) {
        const tick = lastTick[n]!.get(bar.start);
        if (!bar.final || bar.revision !== 0 || tick === undefined) continue;
        (at <= feedEnd ? live : quiet).push(at - tick);
        const closer = at <= feedEnd ? closing(bar.start + 1000) : undefined;
        if (closer !== undefined) service.push(at - closer.at);
      }
    }
  }
  const rate = (INSTRUMENTS.length * perEntry * 100).toLocaleString('en-US');
  console.log(
    `  live feed ${seconds} s, about ${rate} trades/s offered; last tick XADD -> final 1s bar XADD:`,
  );
  console.log(
    `    while trades flow (event time)   ${percentiles(live)} (goal p99 < ${LATENESS_MS} + 50 ms)`,
  );
  console.log(`    after the feed stopped (wall clock) ${percentiles(quiet)}`);
  console.log(
    `    the service's share: XADD of the tick that closes the bar -> final bar XADD ${percentiles(service)}`,
  );
}

function percentiles(samples: number[]): string {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (${samples.length} bars)`;
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === SERVICE_ROLE) return runService(args[1]!);
  const total = Number(args[0] ?? 1_000_000);
  const seconds = Number(args[1] ?? 30);
  const redis = connect();
  const prefixes = [0, 1].map(() => `tlbench-${randomBytes(4).toString('hex')}`);
  try {
    await throughput(redis, prefixes[0]!, total);
    await latency(redis, prefixes[1]!, seconds);
  } finally {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
}
