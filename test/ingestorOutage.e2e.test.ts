import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis, readStreamRecords, Spool, streamKeys } from '@tickline/bus';
import { Ingestor, registerIngestMetrics } from '@tickline/ingestor-service';
import { RedisServer, testRedisClient, waitFor } from '@tickline/testkit';
import { BinanceFeed, BinanceMockServer, tradePayload } from '@tickline/venues';
import { Registry } from 'prom-client';

// Issue 17's outage at a test's size: the Binance mock streams 5,000 trades/s into an in-process Ingestor
// whose memory bound is 5,000 records; its own redis-server (append-only file) is stopped for 12 s and
// started again on its data. Ledger: every trade id the mock sent is in the tick stream once, in order, or
// (when the spool's disk budget is spent) inside exactly one spool-full gap.
jest.setTimeout(90_000);

const STREAM = 'btcusdt@trade';
const RATE = 5000;
const BOUND = 5000;
const BASE = 1_723_161_255_000;
const tsOf = (id: number) => BASE + id;

interface Gap {
  cause: string;
  from: number;
  to: number;
  fromId: string;
  toId: string;
  missing: number;
}

let server: RedisServer;
let mock: BinanceMockServer;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  server = await RedisServer.start({ appendOnly: true, extraArgs: ['--appendfsync', 'everysec'] });
  mock = await BinanceMockServer.start();
  dir = mkdtempSync(join(tmpdir(), 'tl-spool-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await mock.close();
  await server.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function startIngestor(maxBytes: number) {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const feed = new BinanceFeed({ wsUrl: mock.url, symbols: ['BTCUSDT'], quotes: false });
  const redis = createRedis({ url: server.url, commandTimeoutMs: 1000, retryBaseMs: 50, retryMaxMs: 500 });
  const spool = Spool.open({ path: join(dir, 'ingestor.spool'), maxBytes });
  const registry = new Registry();
  const ingestor = new Ingestor({
    feeds: [feed],
    redis,
    keys: streamKeys('tlout'),
    metrics: registerIngestMetrics(registry),
    logger: quiet,
    spool,
    publisher: { maxBufferedRecords: BOUND, retryBaseMs: 20, retryMaxMs: 200, trim: { mode: 'none' } },
  });
  cleanups.push(() => ingestor.stop().catch(() => undefined));
  return { ingestor, spool, registry };
}

/** The value of a label-less metric in the registry's exposition. */
async function metric(registry: Registry, name: string): Promise<number> {
  const text = await registry.metrics();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

/** Plays ids 1.. at RATE per second; Redis is down from `downAt` for `downMs`; resolves with the last id. */
async function play(
  seconds: number,
  downAt: number,
  downMs: number,
  sample: () => Promise<void> | void,
): Promise<number> {
  await waitFor(() => mock.openConnections.some((c) => c.streams.includes(STREAM)), {
    what: 'the ingestor subscribed',
  });
  const started = Date.now();
  let next = 1;
  let outage: Promise<void> | undefined;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE);
    for (; next <= due; next++) {
      const payload = tradePayload({
        symbol: 'BTCUSDT',
        id: next,
        price: '100.5',
        qty: '1',
        time: tsOf(next),
      });
      if (mock.publish(STREAM, payload) === 0) throw new Error(`trade ${next} reached no connection`);
    }
    if (!outage && Date.now() - started >= downAt * 1000) outage = stopFor(downMs);
    await sample();
    await sleep(10);
  }
  await outage;
  return next - 1;
}

async function stopFor(ms: number): Promise<void> {
  await server.stop('SIGKILL');
  await sleep(ms);
  await server.restart();
}

async function storedIds(key: string): Promise<number[]> {
  const check = testRedisClient(server.url, { commandTimeout: 10_000 });
  try {
    return (await readStreamRecords(check, key)).map((r) => Number((r as { id: string }).id));
  } finally {
    check.disconnect();
  }
}

const keys = streamKeys('tlout');
const tickKey = keys.ticks({ venue: 'binance', symbol: 'BTCUSDT' });

it('spools past the memory bound while Redis is down and sends every trade once, in order, when it is back', async () => {
  const { ingestor, spool, registry } = startIngestor(1 << 30);
  await ingestor.start();
  let peak = 0;
  let spoolPeak = 0;
  const seen = { bytes: 0, records: 0, age: 0, buffered: 0 };
  const sample = async () => {
    peak = Math.max(peak, ingestor.publisher.buffered);
    spoolPeak = Math.max(spoolPeak, spool.stats().records);
    // Once, mid-outage: what an operator's dashboard shows.
    if (seen.records > 0 || spoolPeak < RATE * 5) return;
    seen.bytes = await metric(registry, 'tickline_ingest_spool_bytes');
    seen.records = await metric(registry, 'tickline_ingest_spool_records');
    seen.age = await metric(registry, 'tickline_ingest_spool_oldest_age_seconds');
    seen.buffered = await metric(registry, 'tickline_ingest_buffered_records');
  };
  const last = await play(28, 8, 12_000, sample);
  await waitFor(() => (sample(), ingestor.publisher.stats.records >= last), {
    what: `${last} trades acknowledged`,
    timeoutMs: 30_000,
  });

  const ids = await storedIds(tickKey);
  expect(ids.length).toBe(last);
  expect(ids.every((id, i) => id === i + 1)).toBe(true); // none lost, none twice, in order
  expect(peak).toBeLessThanOrEqual(BOUND);
  expect(spoolPeak).toBeGreaterThan(RATE * 5); // the outage really went through the spool
  expect(ingestor.publisher.stats.dropped).toBe(0);
  expect(spool.stats()).toMatchObject({ bytes: 0, records: 0 }); // emptied once drained
  expect(await storedIds(keys.gaps())).toHaveLength(0);
  expect(seen.records).toBeGreaterThanOrEqual(RATE * 5);
  expect(seen.bytes).toBeGreaterThan(seen.records * 20); // msgpack trades, a few dozen bytes each
  expect(seen.age).toBeGreaterThan(0.5);
  expect(seen.buffered).toBe(BOUND); // memory full, the rest spooled
  expect(await metric(registry, 'tickline_ingest_spool_records')).toBe(0);
  expect(await metric(registry, 'tickline_ingest_spool_oldest_age_seconds')).toBe(0);
});

it('with the disk budget spent, publishes exactly the dropped trades as spool-full gaps', async () => {
  const { ingestor, spool, registry } = startIngestor(400_000);
  await ingestor.start();
  const last = await play(20, 5, 10_000, () => undefined);
  await waitFor(
    () => ingestor.publisher.stats.records + ingestor.publisher.stats.dropped >= last && !spool.hasUnread,
    { what: 'every trade stored or dropped', timeoutMs: 30_000 },
  );
  await ingestor.publisher.flush();

  const ids = await storedIds(tickKey);
  const check = testRedisClient(server.url);
  const gaps = await readStreamRecords<Gap>(check, keys.gaps());
  check.disconnect();
  expect(gaps.length).toBeGreaterThan(0);
  const covered = new Uint8Array(last + 1);
  for (const id of ids) covered[id]! += 1;
  for (const gap of gaps) {
    const [from, to] = [Number(gap.fromId), Number(gap.toId)];
    expect(gap).toMatchObject({
      cause: 'spool-full',
      missing: to - from + 1,
      from: tsOf(from),
      to: tsOf(to) + 1,
    });
    for (let id = from; id <= to; id++) covered[id]! += 1;
  }
  // Each id once: stored, or inside exactly one gap (a gap holds nothing that was stored).
  expect(covered.subarray(1).every((n) => n === 1)).toBe(true);
  expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  expect(ingestor.publisher.stats.dropped).toBe(gaps.reduce((n, g) => n + g.missing, 0));
  expect(await metric(registry, 'tickline_ingest_dropped_records_total')).toBe(
    ingestor.publisher.stats.dropped,
  );
});
