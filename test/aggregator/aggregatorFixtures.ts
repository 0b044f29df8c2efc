import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeBarAggregator, type AggregationEvent } from '@tickline/aggregation';
import { readStreamRecords, type RedisClient, type StreamKeys } from '@tickline/bus';
import type { Bar, InstrumentRef, Timeframe, Trade } from '@tickline/core';
import { redisUrl, spawnTs, type TsChild } from '@tickline/testkit';
import { seededRandom } from '@tickline/venues';

// What the aggregator's process-level tests share: generated trades, the service as a child process
// (`tickline run aggregator`), consumer-group figures, and the check of the bar streams against an
// uninterrupted offline TimeBarAggregator.

const MAIN = join(__dirname, '..', '..', 'packages', 'cli', 'src', 'main.ts');
export const TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h', '4h', '1d'];
/** About five hours of trades from here: past a 4h and a day boundary. */
const T0 = Date.UTC(2025, 0, 1, 21);

/**
 * `count` trades in publishing order, `meanGapMs` of event time apart on average, with ids; about 1 %
 * re-sent duplicates a few trades later, and neighbours swapped so that event time goes back by less than
 * a second (well within the 2 s lateness). Receive times never decrease.
 */
export function generateTrades(
  instrument: InstrumentRef,
  count: number,
  seed: number,
  meanGapMs = 350,
): Trade[] {
  const random = seededRandom(seed);
  const trades: Trade[] = [];
  let ts = T0;
  let price = 100 + random() * 50_000;
  for (let i = 0; trades.length < count; i++) {
    ts += 1 + Math.floor(random() * 2 * meanGapMs);
    price = Math.max(1, price * (1 + (random() - 0.5) * 0.002));
    trades.push({
      venue: instrument.venue,
      symbol: instrument.symbol,
      ts,
      recvTs: ts + 5,
      price: Math.round(price * 100) / 100,
      size: Math.round((0.001 + random() * 2) * 1000) / 1000,
      side: random() < 0.5 ? 'buy' : 'sell',
      id: `${instrument.symbol}-${i}`,
    });
    const back = trades.length - 1 - Math.floor(random() * 4);
    if (random() < 0.01 && back >= 0) trades.push({ ...(trades[back] as Trade) }); // a re-sent trade
  }
  trades.length = count;
  for (let i = 1; i < trades.length; i++) {
    const a = trades[i - 1] as Trade;
    const b = trades[i] as Trade;
    if (random() < 0.05 && b.ts - a.ts < 1000 && a.id !== b.id) {
      trades[i - 1] = b;
      trades[i] = a;
    }
  }
  let recv = 0;
  return trades.map((t) => {
    recv = Math.max(recv, t.recvTs);
    return t.recvTs === recv ? t : { ...t, recvTs: recv };
  });
}

/** The input has what the issue asks for: duplicates and local reordering. */
export function expectDuplicatesAndReordering(trades: readonly Trade[], atLeast: number): void {
  expect(new Set(trades.map((t) => t.id)).size).toBeLessThan(trades.length - atLeast);
  expect(trades.filter((t, i) => i > 0 && t.ts < (trades[i - 1] as Trade).ts).length).toBeGreaterThan(
    atLeast,
  );
}

/**
 * A config file for the child processes: live mode on event time only (the trades are of 2025; a wall
 * clock would finalize every bar at once) and short leases, so a killed process's instruments are taken
 * over quickly. Returns its path and a cleanup.
 */
export function aggregatorConfigFile(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tlagg-'));
  const path = join(dir, 'tickline.json');
  const aggregator = { wallClockMs: 0, leaseMs: 1200, leaseRenewMs: 200 };
  writeFileSync(path, JSON.stringify({ aggregator, bus: { consumer: { blockMs: 200 } } }));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startAggregator(
  prefix: string,
  instruments: readonly InstrumentRef[],
  configPath: string,
): TsChild {
  return spawnTs(MAIN, ['run', 'aggregator'], {
    REDIS_URL: redisUrl(),
    TICKLINE_PREFIX: prefix,
    TICKLINE_INSTRUMENTS: instruments.map((i) => `${i.venue}:${i.symbol}`).join(','),
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_LOG_LEVEL: 'warn',
    TICKLINE_CONFIG: configPath,
  });
}

/** A field of the `aggregator` group on a tick stream (`entries-read`, `pending`, `lag`); 0 before it exists. */
export async function groupField(redis: RedisClient, key: string, name: string): Promise<number> {
  const groups = (await redis.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
  const group = groups.find((g) => g[g.indexOf('name') + 1] === 'aggregator') ?? [];
  return Number(group[group.indexOf(name) + 1] ?? 0);
}

/** Sums a group field over the tick streams. */
export async function groupTotal(
  redis: RedisClient,
  ticks: readonly string[],
  name: string,
): Promise<number> {
  const values = await Promise.all(ticks.map((k) => groupField(redis, k, name)));
  return values.reduce((a, b) => a + b, 0);
}

/**
 * Expects every bar stream of `instrument` to hold exactly the final bars and revisions of an uninterrupted
 * offline TimeBarAggregator over `trades` (live mode: no flush), once per (timeframe, start, revision).
 * Returns how many final bars there were.
 */
export async function expectOfflineBars(
  redis: RedisClient,
  keys: StreamKeys,
  instrument: InstrumentRef,
  trades: readonly Trade[],
): Promise<number> {
  const offline = new TimeBarAggregator({ ...instrument, timeframes: TIMEFRAMES, source: 'live' });
  const events: AggregationEvent[] = offline.pushAll(trades);
  expect(events.filter((e) => e.kind === 'rejected')).toEqual([]);
  let finals = 0;
  for (const timeframe of TIMEFRAMES) {
    const expected = events.flatMap((e) =>
      (e.kind === 'final' || e.kind === 'revision') && e.bar.timeframe === timeframe ? [e.bar] : [],
    );
    const published = await readStreamRecords<Bar>(redis, keys.bars(instrument, timeframe));
    expect(expected.length).toBeGreaterThan(0);
    expect(published).toEqual(expected);
    const ids = published.map((b) => `${timeframe}/${b.start}/${b.revision}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(published.every((b) => b.final)).toBe(true);
    finals += published.length;
  }
  return finals;
}
