/**
 * `npm run bench -- aggregate [trades] [instruments] [processes]`: the offline aggregation core (issue 4,
 * "Benchmarks") on 10,000,000 trades across 100 instruments into 1m, 5m, 15m, 1h, 4h and 1d bars at once,
 * against a bare loop that only computes 1m OHLCV over the same trades, in the same run.
 *
 * Trades are generated in chunks of 1,000,000 interleaved across the instruments (a day of event time,
 * each instrument's times jittered by up to 500 ms, so within the allowed lateness; 0.1% duplicates;
 * ids consecutive per instrument, as Binance's). A chunk is held as columns (typed arrays), the way the
 * offline path reads a tick file; only the aggregation of a chunk is timed: routing the rows to their
 * instrument (a counting sort) and TimeBarAggregator.pushColumns per instrument. The same core fed one
 * Trade object at a time (the service's path) is timed too. Instruments are split across `processes`
 * forked runs (default 2, one a core): each times its share, and throughput is all trades over the
 * slowest share's time. Then `tickline aggregate` end to end over a generated JSONL file.
 */
import { fork } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Trade } from '@tickline/core';
import { TimeBarAggregator, type AggregationEvent, type TradeColumns } from '@tickline/aggregation';
import { runCli } from '@tickline/cli';

const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
const CHUNK = 1_000_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 5);
const GOAL = 10_000_000;

interface Share {
  trades: number;
  /** Wall-clock seconds of each timed loop, and the CPU seconds the process spent in it. */
  seconds: number;
  objectSeconds: number;
  bareSeconds: number;
  cpu: number;
  objectCpu: number;
  bareCpu: number;
  finals: number;
  /** checksum() of the bar events of the columns path, and of the Trade-object path (must be equal). */
  checksum: number;
  objectChecksum: number;
}

/** A chunk of trades as columns, in arrival order, with each row's instrument. */
interface Chunk extends TradeColumns {
  ts: Float64Array;
  recvTs: Float64Array;
  price: Float64Array;
  size: Float64Array;
  id: string[];
  instrument: Int32Array;
  length: number;
}

/** A deterministic generator, so every process and every run sees the same trades. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function columns(length: number): Chunk {
  const floats = () => new Float64Array(length);
  // Filled in place, so a packed array: routing writes rows out of order, which would turn an array
  // grown by push into a dictionary, slower to read than the aggregation itself.
  const id = new Array<string>(length).fill('');
  const chunk = { ts: floats(), recvTs: floats(), price: floats(), size: floats(), id };
  return { ...chunk, instrument: new Int32Array(length), length: 0 };
}

/**
 * Chunk `index` of the whole stream, keeping only the instruments of this share. Prices and ids carry
 * on from the previous chunk of the same run (`prices`, `nextIds`, `lastRow` per instrument).
 */
function chunk(
  index: number,
  total: number,
  instruments: number,
  share: number,
  shares: number,
  carry: Carry,
) {
  const next = random(index + 1);
  const first = index * CHUNK;
  const count = Math.min(CHUNK, total - first);
  const out = columns(count);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const instrument = Math.floor(next() * instruments);
    const price = (carry.prices[instrument]! *= 1 + (next() - 0.5) * 0.001);
    const jitter = Math.floor(next() * 500);
    const size = 0.001 + next();
    const duplicate = next() < 0.001 && carry.last[instrument] !== undefined;
    if (instrument % shares !== share) continue;
    const row = out.length++;
    out.instrument[row] = instrument;
    if (duplicate) {
      const [ts, recvTs, p, s, id] = carry.last[instrument]!;
      out.ts[row] = ts;
      out.recvTs[row] = recvTs;
      out.price[row] = p;
      out.size[row] = s;
      out.id[row] = id;
      continue;
    }
    const ts = START + Math.floor((n / total) * DAY_MS) - jitter;
    const id = String(carry.nextIds[instrument]!++);
    out.ts[row] = ts;
    out.recvTs[row] = ts + 3;
    out.price[row] = price;
    out.size[row] = size;
    out.id[row] = id;
    carry.last[instrument] = [ts, ts + 3, price, size, id];
  }
  return out;
}

interface Carry {
  prices: number[];
  nextIds: number[];
  last: ([number, number, number, number, string] | undefined)[];
}

function carry(instruments: number): Carry {
  return {
    prices: Array.from({ length: instruments }, (_, i) => 100 + i),
    nextIds: Array.from({ length: instruments }, (_, i) => 4_200_000_000 + i * 10_000_000),
    last: [],
  };
}

function trades(chunk: Chunk): Trade[] {
  const result: Trade[] = [];
  for (let i = 0; i < chunk.length; i++) {
    const ts = chunk.ts[i]!;
    result.push({
      venue: 'binance',
      symbol: `S${chunk.instrument[i]}`,
      ts,
      recvTs: chunk.recvTs[i]!,
      price: chunk.price[i]!,
      size: chunk.size[i]!,
      side: 'buy',
      id: chunk.id[i]!,
    });
  }
  return result;
}

// Collect the generated chunk's garbage before timing, so that generation's GC is not billed to the loops.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Wall-clock and CPU seconds of `run` (CPU time is what the loop costs when other work shares the cores). */
function seconds(run: () => void): [wall: number, cpu: number] {
  collect();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  run();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return [wall, (used.user + used.system) / 1e6];
}

/** The bare loop: 1m OHLCV per instrument (7 numbers each in one array), nothing else. */
function bareLoop(chunk: Chunk, state: Float64Array): void {
  const { ts, price, size, instrument } = chunk;
  for (let i = 0; i < chunk.length; i++) {
    const at = instrument[i]! * 7;
    const p = price[i]!;
    const start = ts[i]! - (ts[i]! % 60_000);
    if (start !== state[at]) {
      state[at] = start;
      state[at + 1] = state[at + 2] = state[at + 3] = p;
      state[at + 5] = 0;
      state[at + 6]!++;
    }
    if (p > state[at + 2]!) state[at + 2] = p;
    if (p < state[at + 3]!) state[at + 3] = p;
    state[at + 4] = p;
    state[at + 5]! += size[i]!;
  }
}

/**
 * Routes a chunk's rows to their instruments (a stable counting sort into `sorted`) and pushes each
 * instrument's run through its aggregator's column path. Whole runs (~10,000 rows an instrument) keep an
 * instrument's state warm while its bars close; routing the chunk in L2-sized blocks instead (~160 rows
 * an instrument at a time) measured slower. The id column must be a packed array (see columns()).
 */
function aggregateColumns(
  chunk: Chunk,
  sorted: Chunk,
  aggregators: TimeBarAggregator[],
  out: AggregationEvent[],
) {
  const instruments = aggregators.length;
  const starts = new Int32Array(instruments + 1);
  const { ts, recvTs, price, size, id, instrument } = chunk;
  for (let i = 0; i < chunk.length; i++) starts[instrument[i]! + 1]!++;
  for (let k = 0; k < instruments; k++) starts[k + 1]! += starts[k]!;
  const cursor = starts.slice(0, instruments);
  for (let i = 0; i < chunk.length; i++) {
    const row = cursor[instrument[i]!]!++;
    sorted.ts[row] = ts[i]!;
    sorted.recvTs[row] = recvTs[i]!;
    sorted.price[row] = price[i]!;
    sorted.size[row] = size[i]!;
    sorted.id[row] = id[i]!;
  }
  for (let k = 0; k < instruments; k++) aggregators[k]!.pushColumns(sorted, starts[k], starts[k + 1], out);
}

function aggregators(instruments: number): TimeBarAggregator[] {
  return Array.from(
    { length: instruments },
    (_, k) => new TimeBarAggregator({ venue: 'binance', symbol: `S${k}`, timeframes: TIMEFRAMES }),
  );
}

function bySymbol(instruments: number): Map<string, TimeBarAggregator> {
  return new Map(aggregators(instruments).map((aggregator, k) => [`S${k}`, aggregator]));
}

function runShare(total: number, instruments: number, share: number, shares: number): Share {
  const byColumns = aggregators(instruments);
  const byObjects = bySymbol(instruments);
  const bare = new Float64Array(instruments * 7).fill(NaN);
  const result: Share = {
    trades: 0,
    seconds: 0,
    objectSeconds: 0,
    bareSeconds: 0,
    cpu: 0,
    objectCpu: 0,
    bareCpu: 0,
    finals: 0,
    checksum: 0,
    objectChecksum: 0,
  };
  const time = (
    field: 'seconds' | 'objectSeconds' | 'bareSeconds',
    cpu: 'cpu' | 'objectCpu' | 'bareCpu',
    run: () => void,
  ) => {
    const [wall, used] = seconds(run);
    result[field] += wall;
    result[cpu] += used;
  };
  const out: AggregationEvent[] = [];
  const objectOut: AggregationEvent[] = [];
  const state = carry(instruments);
  const sorted = columns(CHUNK);
  for (let index = 0; index * CHUNK < total; index++) {
    const last = (index + 1) * CHUNK >= total;
    const rows = chunk(index, total, instruments, share, shares, state);
    result.trades += rows.length;
    time('bareSeconds', 'bareCpu', () => bareLoop(rows, bare));
    time('seconds', 'cpu', () => {
      aggregateColumns(rows, sorted, byColumns, out);
      if (last) for (const aggregator of byColumns) aggregator.flush(out);
    });
    const objects = trades(rows);
    time('objectSeconds', 'objectCpu', () => {
      for (const trade of objects) byObjects.get(trade.symbol)!.push(trade, objectOut);
      if (last) for (const aggregator of byObjects.values()) aggregator.flush(objectOut);
    });
    for (const event of out) if (event.kind === 'final') result.finals++;
    const objectFinals = objectOut.filter((event) => event.kind === 'final').length;
    const columnFinals = out.filter((event) => event.kind === 'final').length;
    if (objectFinals !== columnFinals)
      throw new Error(`column and object paths disagree: ${columnFinals} vs ${objectFinals} final bars`);
    result.checksum = (result.checksum + checksum(out)) >>> 0;
    result.objectChecksum = (result.objectChecksum + checksum(objectOut)) >>> 0;
    if (result.checksum !== result.objectChecksum)
      throw new Error(
        `column and object paths disagree: bar checksums ${hex(result.checksum)} vs ${hex(result.objectChecksum)}`,
      );
    out.length = 0;
    objectOut.length = 0;
  }
  return result;
}

/**
 * A checksum of the bar events among `events` that does not depend on their order (the two paths
 * interleave instruments differently): the sum modulo 2^32 of a 32-bit FNV-1a hash of each event's kind
 * and bar as JSON, so every figure, flag and detail counts.
 */
function checksum(events: readonly AggregationEvent[]): number {
  let sum = 0;
  for (const event of events) {
    if (!('bar' in event)) continue;
    const text = `${event.kind}${JSON.stringify(event.bar)}`;
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    sum = (sum + (hash >>> 0)) >>> 0;
  }
  return sum;
}

const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

function forkShare(total: number, instruments: number, share: number, shares: number): Promise<Share> {
  const runner = path.resolve(__dirname, '..', 'scripts', 'bench.js');
  const child = fork(runner, [
    'aggregate',
    String(total),
    String(instruments),
    '--share',
    `${share}/${shares}`,
  ]);
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as Share));
    child.once('error', reject);
    child.once('exit', (code) => code === 0 || reject(new Error(`share ${share} exited with ${code}`)));
  });
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

function report(label: string, total: number, shares: Share[]): void {
  const rate = (field: keyof Share) => total / Math.max(...shares.map((s) => s[field]));
  const columns = rate('seconds');
  const bare = rate('bareSeconds');
  console.log(
    `${label.padEnd(12)} columns ${fmt(columns).padStart(11)} trades/s   bare 1m loop ${fmt(bare).padStart(11)} trades/s   ratio ${(columns / bare).toFixed(3)}   goal >= ${fmt(GOAL)}: ${columns >= GOAL ? 'met' : 'NOT met'}`,
  );
  console.log(
    `${''.padEnd(12)} by CPU time: columns ${fmt(rate('cpu'))} trades/s, bare ${fmt(rate('bareCpu'))} trades/s, ratio ${(rate('cpu') / rate('bareCpu')).toFixed(3)}`,
  );
  console.log(
    `${''.padEnd(12)} Trade objects (one push per trade, the service's path) ${fmt(rate('objectSeconds'))} trades/s, by CPU time ${fmt(rate('objectCpu'))}`,
  );
}

export async function main(args: string[]): Promise<void> {
  const total = Number(args[0] ?? 10_000_000);
  const instruments = Number(args[1] ?? 100);
  const shareArg = args.indexOf('--share');
  if (shareArg >= 0) {
    const [share, shares] = (args[shareArg + 1] ?? '0/1').split('/').map(Number);
    const result = runShare(total, instruments, share ?? 0, shares ?? 1);
    if (process.send) process.send(result);
    else console.log(JSON.stringify(result));
    return;
  }
  const processes = Number(args[2] ?? 2);
  console.log(
    `aggregate bench: ${total.toLocaleString('en-US')} trades, ${instruments} instruments, ${TIMEFRAMES.join(' ')} at once`,
  );
  const single = runShare(total, instruments, 0, 1);
  report('1 process', total, [single]);
  const shares = await Promise.all(
    Array.from({ length: processes }, (_, k) => forkShare(total, instruments, k, processes)),
  );
  report(`${processes} processes`, total, shares);
  const finals = shares.reduce((sum, s) => sum + s.finals, 0);
  const sharesChecksum = shares.reduce((sum, s) => (sum + s.checksum) >>> 0, 0);
  if (finals !== single.finals || sharesChecksum !== single.checksum) {
    throw new Error(
      `the ${processes} processes' bars differ from the single process's: ${fmt(finals)} final bars, checksum ${hex(sharesChecksum)} vs ${fmt(single.finals)}, ${hex(single.checksum)}`,
    );
  }
  console.log(
    `final bars: ${fmt(finals)} (single process: ${fmt(single.finals)}); bar checksum ${hex(single.checksum)}, the same from Trade objects and from ${processes} processes`,
  );
  await fileBench(Number(args[3] ?? 5_000_000));
}

/**
 * `tickline aggregate` end to end: a generated JSONL tick file of one instrument over a day (`count`
 * trades, the same jitter and duplicates as above) read, parsed, aggregated into 1m bars and printed as
 * CSV (to nowhere), in this process through runCli.
 */
async function fileBench(count: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tickline-aggregate-bench-'));
  const file = path.join(dir, 'ticks.jsonl');
  try {
    await writeTickFile(file, count);
    let bytes = 0;
    let summary = '';
    const started = process.hrtime.bigint();
    const code = await runCli(['aggregate', '--in', file, '--timeframe', '1m'], {
      env: {},
      registry: {},
      stdout: (text) => (bytes += text.length),
      stderr: (text) => (summary += text),
      runServices: () => Promise.resolve(),
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) throw new Error(`tickline aggregate failed: ${summary}`);
    const size = statSync(file).size / 1e6;
    console.log(
      `tickline aggregate: ${fmt(count)} trades (${size.toFixed(0)} MB JSONL) in ${seconds.toFixed(2)} s: ${fmt(count / seconds)} trades/s end to end (${summary.trim()}; ${fmt(bytes)} bytes of CSV)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeTickFile(file: string, count: number): Promise<void> {
  const next = random(7);
  const stream = createWriteStream(file);
  let price = 100;
  let text = '';
  let previous = '';
  for (let n = 0; n < count; n++) {
    price *= 1 + (next() - 0.5) * 0.001;
    const ts = START + Math.floor((n / count) * DAY_MS) - Math.floor(next() * 500);
    const line =
      next() < 0.001 && previous !== ''
        ? previous
        : `{"venue":"binance","symbol":"BTCUSDT","ts":${ts},"price":${price},"size":${0.001 + next()},"side":"buy","id":"${4_200_000_000 + n}"}\n`;
    previous = line;
    text += line;
    if (text.length > 1 << 20) {
      if (!stream.write(text)) await once(stream, 'drain');
      text = '';
    }
  }
  stream.end(text);
  await once(stream, 'finish');
}
