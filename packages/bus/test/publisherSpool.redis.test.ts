import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, Spool, StreamPublisher } from '@tickline/bus';
import { RedisServer, testRedisClient, waitFor } from '@tickline/testkit';
import { storedSequence } from './publisherHelpers';

// A publisher with a spool stopped while Redis is down, then a new one (a restarted ingestor) on the same
// spool once Redis is back: everything published reaches the stream once and in order, sent first.
jest.setTimeout(60_000);

const KEY = 'tl:ticks:{binance:SPOOL}';
const N = 20_000;
let server: RedisServer;
let dir: string;

beforeEach(async () => {
  server = await RedisServer.start();
  dir = mkdtempSync(join(tmpdir(), 'tl-pubspool-'));
});
afterEach(async () => {
  await server.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function publisherOn(spool: Spool): StreamPublisher {
  const redis = createRedis({ url: server.url, commandTimeoutMs: 300, retryBaseMs: 20, retryMaxMs: 200 });
  return new StreamPublisher(redis, {
    spool,
    maxRecordsPerEntry: 64,
    maxBufferedRecords: 1000,
    retryBaseMs: 20,
    retryMaxMs: 200,
    closeTimeoutMs: 300,
    trim: { mode: 'none' },
  });
}

it('keeps what a stop leaves unacknowledged in the spool, memory before the older spool content, and the next start sends it all in order', async () => {
  const path = join(dir, 'p.spool');
  const firstSpool = Spool.open({ path, maxBytes: 1 << 30 });
  const first = publisherOn(firstSpool);
  for (let seq = 0; seq < N / 4; seq++) await first.publish(KEY, { seq });
  // flush() covers memory only: records that spilled past the bound are done once the spool is empty.
  await waitFor(() => firstSpool.stats().records === 0 && first.buffered === 0, { what: 'all stored' });
  await server.stop();
  for (let seq = N / 4; seq < N; seq++) await first.publish(KEY, { seq }); // 1000 in memory, the rest spooled
  expect(first.buffered).toBe(1000);
  await first.close();
  firstSpool.close();

  await server.restart();
  const reopened = Spool.open({ path, maxBytes: 1 << 30 });
  expect(reopened.stats().records).toBe((N * 3) / 4);
  const second = publisherOn(reopened);
  await waitFor(() => reopened.stats().records === 0 && second.buffered === 0, { what: 'the spool sent' });
  await second.close();
  reopened.close();

  const check = testRedisClient(server.url);
  const seqs = await storedSequence(check, KEY);
  check.disconnect();
  expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i)); // once each, in publish order
  expect(second.stats.alreadyStored + second.stats.reassigned).toBe(0);
});
