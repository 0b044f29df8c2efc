import { readStreamRecords, streamKeys } from '@tickline/bus';
import {
  logLines,
  redisTestContext,
  redisUrl,
  spawnTs,
  waitFor,
  type RedisTestContext,
  type TsChild,
} from '@tickline/testkit';
import { BinanceMockServer, tradePayload } from '@tickline/venues';
import { join } from 'node:path';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

// Issue 3's fault acceptance at its own sizes: `tickline run ingestor` as a real process, with its
// production feed settings, against the Binance mock dropping each connection after 50,000 frames,
// one 15 s stall, 1% malformed frames and skipped trade ids. The mock plays as fast as the ingestor
// takes it; a frame published while no connection can take it is lost, as on a live venue.
jest.setTimeout(90_000);

const MAIN = join(__dirname, '..', '..', 'packages', 'cli', 'src', 'main.ts');
const STREAM = 'btcusdt@trade';
const BASE = 1_723_161_255_000;
const TOTAL = 150_000;
const DROP_EVERY = 50_000;
const STALL_AT = 75_000;
const STALL_MS = 15_000;
const SKIPPED: Array<[number, number]> = [
  [30_000, 30_004],
  [100_100, 100_100],
  [140_000, 140_009],
];
/** Frames published into an outage before the player waits for a connection (bounds the loss). */
const LOST_PER_OUTAGE = 1000;

interface Tick {
  id: string;
  ts: number;
}
interface Gap {
  venue: string;
  symbols: string[];
  cause: string;
  from: number;
  to: number;
  fromId?: string;
  toId?: string;
  missing?: number;
}

let ctx: RedisTestContext;
let mock: BinanceMockServer;
let ingestor: TsChild | undefined;

beforeEach(async () => {
  ctx = redisTestContext('tlfaults');
  mock = await BinanceMockServer.start({
    seed: 11,
    faults: { closeAfterMessages: DROP_EVERY, malformedRate: 0.01, skipTradeIds: SKIPPED },
  });
});

afterEach(async () => {
  if (ingestor?.child.exitCode === null) ingestor.child.kill('SIGKILL');
  await mock.close();
  await ctx.cleanup();
});

const canDeliver = () =>
  mock.openConnections.some((c) => c.streams.includes(STREAM) && c.stalledUntil <= Date.now());
const congested = () => mock.openConnections.some((c) => c.socket.bufferedAmount > 1 << 20);

/** Publishes ids 1..TOTAL; returns which ones some connection was sent (index = id). */
async function playTrades(): Promise<Uint8Array> {
  const delivered = new Uint8Array(TOTAL + 1);
  let lost = 0;
  for (let id = 1; id <= TOTAL; id++) {
    if (id === STALL_AT) mock.stallConnections(STALL_MS);
    const payload = tradePayload({ symbol: 'BTCUSDT', id, price: '61837.63', qty: '0.01', time: BASE + id });
    if (mock.publish(STREAM, payload) > 0) {
      delivered[id] = 1;
      lost = 0;
    } else if (++lost >= LOST_PER_OUTAGE) {
      await waitFor(canDeliver, { what: 'a connection to deliver to', timeoutMs: 40_000, intervalMs: 5 });
      lost = 0;
    }
    if ((id & 255) === 0) {
      await yieldToLoop();
      while (congested()) await sleep(2);
    }
  }
  return delivered;
}

/** Inclusive ranges of the ids in [from, to] not delivered. */
function holes(delivered: Uint8Array, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let id = from; id <= to; id++) {
    if (delivered[id] === 1) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === id - 1) last[1] = id;
    else out.push([id, id]);
  }
  return out;
}

/** Status and body of a GET (the body is always read, so no socket stays open). */
async function get(url: string): Promise<{ ok: boolean; body: string }> {
  const response = await fetch(url);
  return { ok: response.ok, body: await response.text() };
}

it('drops every 50,000 frames, a 15 s stall, 1% malformed and skipped ids: each sent trade once and in order, each hole in gaps, each bad frame in the DLQ, the process stays up', async () => {
  ingestor = spawnTs(MAIN, ['run', 'ingestor'], {
    REDIS_URL: redisUrl(),
    TICKLINE_PREFIX: ctx.prefix,
    TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
    TICKLINE_BINANCE_WS_URL: mock.url,
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_LOG_LEVEL: 'info',
  });
  await ingestor.waitForStdout(/serving \/healthz, \/readyz and \/metrics at http:\/\/\S+/, 30_000);
  const url = /metrics at (http:\/\/[^\s"]+)/.exec(ingestor.stdout())![1]!;
  await waitFor(canDeliver, { what: 'the ingestor subscribed', timeoutMs: 20_000 });

  const delivered = await playTrades();
  const sent = delivered.reduce((n, d) => n + d, 0);
  const lastId = delivered.lastIndexOf(1);
  const malformed = mock.connections.reduce((n, c) => n + c.malformedSent, 0);
  const keys = streamKeys(ctx.prefix);
  const tickKey = keys.ticks({ venue: 'binance', symbol: 'BTCUSDT' });
  await waitFor(async () => (await readStreamRecords(ctx.redis, keys.dlq('binance'))).length >= malformed, {
    what: `${malformed} dead letters`,
    timeoutMs: 30_000,
  });
  await waitFor(async () => (await readStreamRecords(ctx.redis, tickKey)).length >= sent, {
    what: `${sent} ticks`,
    timeoutMs: 30_000,
  });

  // The faults really happened: two drops, the stall, skipped and lost ids.
  const drops = mock.connections.filter((c) => c.sent >= DROP_EVERY).length;
  expect(drops).toBeGreaterThanOrEqual(2);
  expect(mock.stats.skipped).toBe(16);
  expect(sent).toBeLessThan(TOTAL - 16);

  // Every trade the mock sent, exactly once and in order; nothing else.
  const ticks = await readStreamRecords<Tick>(ctx.redis, tickKey);
  const ids = ticks.map((t) => Number(t.id));
  const sentIds = [...delivered.keys()].filter((id) => delivered[id] === 1);
  expect(ids).toEqual(sentIds);
  expect(ticks.every((t) => t.ts === BASE + Number(t.id))).toBe(true);

  // Every missed id range is one gap with its exact ids and the event times of the trades around it.
  const gaps = await readStreamRecords<Gap>(ctx.redis, keys.gaps());
  const idGaps = gaps.filter((g) => g.fromId !== undefined);
  expect(idGaps.map((g) => [Number(g.fromId), Number(g.toId)])).toEqual(holes(delivered, 1, lastId));
  for (const g of idGaps) {
    expect(g).toMatchObject({ venue: 'binance', symbols: ['BTCUSDT'] });
    expect(g.missing).toBe(Number(g.toId) - Number(g.fromId) + 1);
    expect(g.from).toBe(BASE + Number(g.fromId) - 1);
    expect(g.to).toBe(BASE + Number(g.toId) + 1);
  }
  for (const [from, to] of SKIPPED) {
    expect(idGaps.some((g) => Number(g.fromId) <= from && Number(g.toId) >= to)).toBe(true);
  }
  // Each outage is a time gap too: `reconnect` per drop, `stale` for the stall the watchdog cut.
  const outages = gaps.filter((g) => g.fromId === undefined);
  expect(outages.filter((g) => g.cause === 'reconnect')).toHaveLength(drops);
  expect(outages.filter((g) => g.cause === 'stale')).toHaveLength(1);
  expect(outages.every((g) => g.from <= g.to && g.symbols.includes('BTCUSDT'))).toBe(true);
  expect(idGaps.some((g) => g.cause === 'stale' && Number(g.fromId) <= STALL_AT)).toBe(true);

  // The adaptive watchdog, at its default settings, cut the stalled link before the stall ended.
  const staleCuts = logLines(ingestor.stdout()).filter(
    (l) => l.cause === 'stale' && String(l.msg).startsWith('venue disconnected'),
  );
  expect(staleCuts).toHaveLength(1);
  const [, silent, threshold] = /no data for (\d+) ms \(threshold (\d+) ms\)/.exec(
    String(staleCuts[0]!.msg),
  )!;
  expect(Number(silent)).toBeLessThan(STALL_MS);
  expect(Number(threshold)).toBeLessThan(STALL_MS);

  // Every malformed frame is in the DLQ with its payload, reason and receive time.
  const letters = await readStreamRecords<{ raw: string; reason: string; time: number }>(
    ctx.redis,
    keys.dlq('binance'),
  );
  expect(letters).toHaveLength(malformed);
  expect(malformed).toBeGreaterThan(TOTAL * 0.005);
  expect(letters.every((l) => l.raw.length > 0 && l.reason.length > 0 && l.time > BASE)).toBe(true);

  // The process never exited, is ready, counted what happened, and stops cleanly when asked.
  expect(ingestor.child.exitCode).toBeNull();
  await waitFor(async () => (await get(`${url}/readyz`)).ok, { what: 'ready' });
  const metrics = (await get(`${url}/metrics`)).body;
  expect(metrics).toContain(`tickline_ingest_trades_total{venue="binance",symbol="BTCUSDT"} ${sent}`);
  expect(metrics).toContain(`tickline_ingest_reconnects_total{venue="binance"} ${drops + 1}`);
  expect(metrics).toMatch(/tickline_ingest_latency_seconds_count [1-9]/);
  ingestor.child.kill('SIGTERM');
  expect((await ingestor.exited).code).toBe(0);
});
