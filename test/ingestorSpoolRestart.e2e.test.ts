import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStreamRecords, streamKeys } from '@tickline/bus';
import { RedisServer, spawnTs, testRedisClient, waitFor, type TsChild } from '@tickline/testkit';
import { BinanceMockServer, tradePayload } from '@tickline/venues';

// `tickline run ingestor` as an operator runs it, through a Redis outage and its own restart in the middle
// of it: /readyz names the failing publisher and the spool fills; stopped (SIGTERM) while Redis is still
// down, the ingestor leaves what Redis never acknowledged in its spool; started again once Redis is back,
// it sends it first. Ledger: every trade id the mock sent is in the tick stream once, in order.
jest.setTimeout(90_000);

const MAIN = join(__dirname, '..', 'packages', 'cli', 'src', 'main.ts');
const STREAM = 'btcusdt@trade';
const PREFIX = 'tlspoolrestart';
const RATE = 2000;

let server: RedisServer;
let mock: BinanceMockServer;
let dir: string;
const children: TsChild[] = [];

beforeEach(async () => {
  server = await RedisServer.start({ appendOnly: true });
  mock = await BinanceMockServer.start();
  dir = mkdtempSync(join(tmpdir(), 'tl-spool-restart-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await child.exited;
  }
  await mock.close();
  await server.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function startIngestor(): Promise<{ ingestor: TsChild; url: string }> {
  const child = spawnTs(MAIN, ['run', 'ingestor'], {
    REDIS_URL: server.url,
    TICKLINE_PREFIX: PREFIX,
    TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
    TICKLINE_BINANCE_WS_URL: mock.url,
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_SPOOL_DIR: dir,
    TICKLINE_PUBLISHER_MAX_BUFFERED: '1000',
    TICKLINE_LOG_LEVEL: 'info',
  });
  children.push(child);
  await child.waitForStdout(/metrics at http:\/\/\S+/, 30_000);
  const url = /metrics at (http:\/\/[^\s"]+)/.exec(child.stdout())![1]!;
  await waitFor(() => mock.openConnections.some((c) => c.streams.includes(STREAM)), {
    what: 'the ingestor subscribed',
  });
  return { ingestor: child, url };
}

let nextId = 1;
/** Plays the next `seconds` of trades at RATE; every one must reach a connection. */
async function play(seconds: number): Promise<void> {
  const started = Date.now();
  const first = nextId;
  while (Date.now() - started < seconds * 1000) {
    const due = first + Math.floor(((Date.now() - started) / 1000) * RATE);
    for (; nextId < due; nextId++) {
      const payload = tradePayload({
        symbol: 'BTCUSDT',
        id: nextId,
        price: '100',
        qty: '1',
        time: 1_723_161_255_000 + nextId,
      });
      if (mock.publish(STREAM, payload) === 0) throw new Error(`trade ${nextId} reached no connection`);
    }
    await sleep(10);
  }
}

const metricValue = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

it('reports the failing publisher, keeps the outage in its spool across its own restart, and sends it all once and in order', async () => {
  const first = await startIngestor();
  await play(2);
  await server.stop('SIGTERM');
  await play(7); // past the 5 s after which the publisher check fails
  const readyz = await fetch(`${first.url}/readyz`);
  const report = (await readyz.json()) as { services: { ingestor: Record<string, string> } };
  expect(readyz.status).toBe(503);
  expect(report.services.ingestor.publisher).toMatch(
    /publishing to Redis has failed for \d+ s; .* in the spool/,
  );
  const metrics = await (await fetch(`${first.url}/metrics`)).text();
  expect(metricValue(metrics, 'tickline_ingest_spool_records')).toBeGreaterThan(RATE * 3);
  expect(metricValue(metrics, 'tickline_ingest_buffered_records')).toBeLessThanOrEqual(1000);

  first.ingestor.child.kill('SIGTERM'); // Redis still down: the stop must keep what memory holds
  await first.ingestor.exited;
  await server.restart();
  const second = await startIngestor();
  await play(2);
  const last = nextId - 1;
  const key = streamKeys(PREFIX).ticks({ venue: 'binance', symbol: 'BTCUSDT' });
  const check = testRedisClient(server.url);
  const ids = async () => (await readStreamRecords<{ id: string }>(check, key)).map((r) => Number(r.id));
  try {
    await waitFor(async () => (await ids()).length >= last, {
      what: `${last} trades stored`,
      timeoutMs: 30_000,
    });
    expect(await ids()).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    await waitFor(async () => (await fetch(`${second.url}/readyz`)).ok, { what: 'ready again' });
  } finally {
    check.disconnect();
  }
});
