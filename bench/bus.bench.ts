/**
 * `npm run bench -- bus [records]`: Trade-shaped records through the bus, against a raw ioredis loop doing the
 * same work at the same batching, in the same run (issue 2, "Benchmark").
 *
 * - publish: StreamPublisher (256 records per entry, 2 ms linger) vs. plain pipelined XADD of the same
 *   msgpack-encoded 256-record batches (16 entries per round trip, one round trip in flight, like the
 *   publisher's single flush in flight). Both encode inside the timed loop.
 * - consume: StreamConsumer (XREADGROUP, decode, handler, XACK) vs. plain XREADGROUP + decode + XACK, both
 *   100 entries per read, on a stream published beforehand.
 * - end to end: publisher and consumer running at once, from the first publish to the last record handled.
 *
 * Uses its own key prefix on REDIS_URL (default the local Redis) and deletes its keys at the end.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import {
  createRedis,
  ENTRY_SCHEMA_VERSION,
  msgpackCodec,
  StreamConsumer,
  StreamPublisher,
  streamKeys,
  type ConsumedEntry,
} from '@tickline/bus';
import { type Trade } from '@tickline/core';

const PER_ENTRY = 256;
const ENTRIES_PER_ROUND_TRIP = 16;
const READ_COUNT = 100;
const POOL = 1 << 16;

function tradePool(): Trade[] {
  const start = Date.UTC(2026, 0, 5, 14, 30);
  return Array.from({ length: POOL }, (_, i) => ({
    venue: 'binance',
    symbol: 'BTCUSDT',
    ts: start + i,
    recvTs: start + i + 3,
    price: 97_000 + ((i * 7919) % 5000) / 100,
    size: ((i % 97) + 1) / 1000,
    side: i % 2 ? 'buy' : 'sell',
    id: String(4_200_000_000 + i),
  }));
}

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connect = () => createRedis({ url, name: 'tickline-bench', commandTimeoutMs: 30_000 });

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function rawPublish(redis: Redis, key: string, pool: Trade[], n: number): Promise<void> {
  let seq = 0;
  while (seq < n) {
    const pipeline = redis.pipeline();
    for (let e = 0; e < ENTRIES_PER_ROUND_TRIP && seq < n; e++) {
      const count = Math.min(PER_ENTRY, n - seq);
      const batch = new Array<Trade>(count);
      for (let i = 0; i < count; i++) batch[i] = pool[(seq + i) & (POOL - 1)]!;
      pipeline.xadd(key, '*', 'v', ENTRY_SCHEMA_VERSION, 'n', count, 'd', msgpackCodec.encode(batch));
      seq += count;
    }
    await pipeline.exec();
  }
}

async function tickPublish(key: string, pool: Trade[], n: number): Promise<void> {
  const publisher = new StreamPublisher(connect(), {
    maxRecordsPerEntry: PER_ENTRY,
    lingerMs: 2,
    maxBufferedRecords: Number(process.env.BENCH_MAX_BUFFERED ?? 100_000),
  });
  for (let seq = 0; seq < n; seq++) await publisher.publish(key, pool[seq & (POOL - 1)]);
  await publisher.close(); // flushes: every record acknowledged
}

type Reply = [Buffer, [Buffer, Buffer[]][]][] | null;

function fieldD(fields: Buffer[]): Buffer {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]!.toString() === 'd') return fields[i + 1]!;
  throw new Error('entry without field d');
}

/** Plain XREADGROUP + decode + XACK until `n` records were read. */
async function rawConsume(redis: Redis, key: string, n: number, blockMs = 0): Promise<void> {
  let got = 0;
  while (got < n) {
    const args: (string | number)[] = ['GROUP', 'g', 'raw', 'COUNT', READ_COUNT];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    const reply = (await redis.callBuffer('XREADGROUP', ...args, 'STREAMS', key, '>')) as Reply;
    const entries = reply?.[0]?.[1] ?? [];
    const ids: Buffer[] = [];
    for (const [id, fields] of entries) {
      got += (msgpackCodec.decode(fieldD(fields)) as unknown[]).length;
      ids.push(id);
    }
    if (ids.length > 0) await redis.xack(key, 'g', ...ids);
  }
}

/** The bus consumer (the other half of packages/bus) until `n` records were handled and acked. */
async function tickConsume(redis: Redis, key: string, n: number, dlq: string): Promise<void> {
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = new StreamConsumer({
    redis,
    streams: [key],
    group: 'g',
    consumer: 'bench',
    deadLetterKey: dlq,
    count: READ_COUNT,
    blockMs: 100,
    handler: (entries: readonly ConsumedEntry[]) => {
      for (const entry of entries) got += entry.records.length;
      if (got >= n) done();
      return Promise.resolve('ack');
    },
  });
  await consumer.start();
  await finished;
  await consumer.stop();
}

async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

interface Row {
  readonly phase: string;
  readonly tickline: number;
  readonly raw: number;
}

function printTable(n: number, rounds: number, rows: readonly Row[]): void {
  const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
  const lines = [
    ['phase', 'tickline trades/s', 'raw trades/s', 'ratio'],
    ...rows.map((r) => [r.phase, fmt(r.tickline), fmt(r.raw), (r.tickline / r.raw).toFixed(2)]),
  ];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  console.log(
    `\nbus bench: ${n.toLocaleString('en-US')} Trade records per phase, ${PER_ENTRY} per entry, median of ${rounds} rounds, ${url.replace(/\/\/[^@]*@/, '//')}`,
  );
  console.log(line(lines[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines.slice(1)) console.log(line(l));
  const e2e = rows.find((r) => r.phase === 'end to end');
  if (e2e) {
    const ok = (b: boolean) => (b ? 'met' : 'NOT met');
    console.log(`\ngoal >= 300,000 trades/s end to end: ${ok(e2e.tickline >= 300_000)}`);
    console.log(
      `goal >= 0.8 of raw at the same batching: ${ok(rows.every((r) => r.tickline / r.raw >= 0.8))}`,
    );
  }
}

/** One round of every phase; `rawFirst` alternates between rounds so neither side always runs warm. */
async function round(n: number, pool: Trade[], prefix: string, rawFirst: boolean): Promise<Row[]> {
  const keys = streamKeys(prefix);
  const key = (name: string) => keys.ticks({ venue: 'bench', symbol: name });
  const dlq = keys.dlq('bench');
  const redis = connect();
  const reader = connect();
  const pair = async (raw: () => Promise<void>, tick: () => Promise<void>) => {
    if (rawFirst) return { raw: await timed(raw), tick: await timed(tick) };
    const tickSeconds = await timed(tick);
    return { raw: await timed(raw), tick: tickSeconds };
  };
  try {
    await redis.xgroup('CREATE', key('RAW'), 'g', '0', 'MKSTREAM');
    const publish = await pair(
      () => rawPublish(redis, key('RAW'), pool, n),
      () => tickPublish(key('TICK'), pool, n),
    );
    const consume = await pair(
      () => rawConsume(reader, key('RAW'), n),
      () => tickConsume(reader, key('TICK'), n, dlq),
    );
    await redis.unlink(key('RAW'), key('TICK'));
    await redis.xgroup('CREATE', key('RAW2'), 'g', '0', 'MKSTREAM');
    await redis.xgroup('CREATE', key('TICK2'), 'g', '0', 'MKSTREAM');
    const both = (a: Promise<void>, b: Promise<void>) => Promise.all([a, b]).then(() => undefined);
    const e2e = await pair(
      () => both(rawPublish(redis, key('RAW2'), pool, n), rawConsume(reader, key('RAW2'), n, 100)),
      () => both(tickPublish(key('TICK2'), pool, n), tickConsume(reader, key('TICK2'), n, dlq)),
    );
    return [
      { phase: 'publish', tickline: n / publish.tick, raw: n / publish.raw },
      { phase: 'consume + ack', tickline: n / consume.tick, raw: n / consume.raw },
      { phase: 'end to end', tickline: n / e2e.tick, raw: n / e2e.raw },
    ];
  } finally {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    reader.disconnect();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** args: [records per phase (default 1,000,000), rounds (default 3; the median of each figure is shown)]. */
export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 1_000_000);
  const rounds = Number(args[1] ?? 3);
  const pool = tradePool();
  const results: Row[][] = [];
  for (let r = 0; r < rounds; r++) {
    const prefix = `tlbench-${randomBytes(4).toString('hex')}`;
    results.push(await round(n, pool, prefix, r % 2 === 0));
  }
  const rows = results[0]!.map((row, i) => ({
    phase: row.phase,
    tickline: median(results.map((rs) => rs[i]!.tickline)),
    raw: median(results.map((rs) => rs[i]!.raw)),
  }));
  printTable(n, rounds, rows);
}
