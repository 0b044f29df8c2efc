/**
 * `npm run bench -- aggregate [trades] [instruments] [processes]`: the offline aggregation core (issue 4,
 * "Benchmarks") on 10,000,000 trades across 100 instruments into 1m, 5m, 15m, 1h, 4h and 1d bars at once,
 * against a bare loop that only computes 1m OHLCV over the same trades, routed the same way, in the same run.
 *
 * Trades are generated in chunks of 1,000,000 interleaved across the instruments (a day of event time,
 * each instrument's times jittered by up to 500 ms, so within the allowed lateness, and 0.1% duplicates);
 * only the aggregation of a chunk is timed. Instruments are split across `processes` forked runs (default
 * 2, one a core): each times its share, and throughput is all trades over the slowest share's time.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Trade } from '@tickline/core';
import { TimeBarAggregator, type AggregationEvent } from '@tickline/aggregation';

const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
const CHUNK = 1_000_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 5);
const GOAL = 10_000_000;

interface Share {
  trades: number;
  seconds: number;
  bareSeconds: number;
  finals: number;
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

/** Chunk `index` of the whole stream, keeping only the instruments of this share. */
function chunk(index: number, total: number, instruments: number, share: number, shares: number): Trade[] {
  const next = random(index + 1);
  const prices = Array.from({ length: instruments }, (_, i) => 100 + i);
  const trades: Trade[] = [];
  const last: (Trade | undefined)[] = [];
  const first = index * CHUNK;
  const count = Math.min(CHUNK, total - first);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const instrument = Math.floor(next() * instruments);
    const price = (prices[instrument]! *= 1 + (next() - 0.5) * 0.001);
    const jitter = Math.floor(next() * 500);
    const size = 0.001 + next();
    const duplicate = next() < 0.001 ? last[instrument] : undefined;
    if (instrument % shares !== share) continue;
    if (duplicate !== undefined) {
      trades.push({ ...duplicate });
      continue;
    }
    const ts = START + Math.floor((n / total) * DAY_MS) - jitter;
    const id = String(4_200_000_000 + n);
    const trade: Trade = {
      venue: 'binance',
      symbol: `S${instrument}`,
      ts,
      recvTs: ts + 3,
      price,
      size,
      side: 'buy',
      id,
    };
    last[instrument] = trade;
    trades.push(trade);
  }
  return trades;
}

// Collect the generated chunk's garbage before timing, so that generation's GC is not billed to the loops.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function seconds(run: () => void): number {
  collect();
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The bare loop: 1m OHLCV per instrument, nothing else, found by the same Map lookup. */
interface Ohlcv {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  bars: number;
}

function bareLoop(trades: Trade[], states: Map<string, Ohlcv>): void {
  for (const trade of trades) {
    let state = states.get(trade.symbol);
    if (state === undefined) {
      state = { start: NaN, open: 0, high: 0, low: 0, close: 0, volume: 0, bars: 0 };
      states.set(trade.symbol, state);
    }
    const start = trade.ts - (trade.ts % 60_000);
    if (start !== state.start) {
      state.bars++;
      state.start = start;
      state.open = state.high = state.low = trade.price;
      state.volume = 0;
    }
    if (trade.price > state.high) state.high = trade.price;
    if (trade.price < state.low) state.low = trade.price;
    state.close = trade.price;
    state.volume += trade.size;
  }
}

function runShare(total: number, instruments: number, share: number, shares: number): Share {
  const aggregators = new Map<string, TimeBarAggregator>();
  const bare = new Map<string, Ohlcv>();
  const result: Share = { trades: 0, seconds: 0, bareSeconds: 0, finals: 0 };
  const out: AggregationEvent[] = [];
  for (let index = 0; index * CHUNK < total; index++) {
    const trades = chunk(index, total, instruments, share, shares);
    result.trades += trades.length;
    result.bareSeconds += seconds(() => bareLoop(trades, bare));
    result.seconds += seconds(() => {
      for (const trade of trades) {
        let aggregator = aggregators.get(trade.symbol);
        if (aggregator === undefined) {
          aggregator = new TimeBarAggregator({
            venue: 'binance',
            symbol: trade.symbol,
            timeframes: TIMEFRAMES,
          });
          aggregators.set(trade.symbol, aggregator);
        }
        aggregator.push(trade, out);
      }
      if ((index + 1) * CHUNK >= total) for (const aggregator of aggregators.values()) aggregator.flush(out);
    });
    for (const event of out) if (event.kind === 'final') result.finals++;
    out.length = 0;
  }
  return result;
}

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

function report(label: string, total: number, shares: Share[]): void {
  const slowest = Math.max(...shares.map((s) => s.seconds));
  const slowestBare = Math.max(...shares.map((s) => s.bareSeconds));
  const rate = total / slowest;
  const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
  console.log(
    `${label.padEnd(12)} ${fmt(rate).padStart(12)} trades/s   bare 1m loop ${fmt(total / slowestBare).padStart(12)} trades/s   ratio ${(rate / (total / slowestBare)).toFixed(3)}   goal >= ${fmt(GOAL)}: ${rate >= GOAL ? 'met' : 'NOT met'}`,
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
  console.log(
    `final bars: ${finals.toLocaleString('en-US')} (single process: ${single.finals.toLocaleString('en-US')})`,
  );
}
