import {
  compareStreamIds,
  createRedis,
  ENTRY_SCHEMA_VERSION,
  jsonCodec,
  msgpackCodec,
  StreamPublisher,
  streamKeys,
  type EntryAck,
} from '@tickline/bus';
import { redisTestContext, redisUrl, type RedisTestContext } from '@tickline/testkit';
import { ledger, readStream, storedSequence } from './publisherHelpers';

function trade(seq: number) {
  return {
    venue: 'binance',
    symbol: 'BTCUSDT',
    ts: 1_700_000_000_000 + seq,
    recvTs: 1_700_000_000_001 + seq,
    price: 42000.5 + seq / 100,
    size: 0.25,
    side: 'buy',
    id: String(seq),
    seq,
  };
}

describe('StreamPublisher on the shared Redis', () => {
  let ctx: RedisTestContext;
  beforeEach(() => {
    ctx = redisTestContext('tlpub');
  });
  afterEach(async () => {
    await ctx.cleanup();
  });

  test.each([msgpackCodec, jsonCodec])(
    'packs many records per entry, decoded back equal ($name)',
    async (codec) => {
      const key = streamKeys(ctx.prefix).ticks({ venue: 'binance', symbol: 'BTCUSDT' });
      const publisher = new StreamPublisher(createRedis({ url: redisUrl() }), {
        codec,
        maxRecordsPerEntry: 100,
        lingerMs: 60_000, // only full entries until flush() asks for the rest
      });
      const records = Array.from({ length: 1050 }, (_, i) => trade(i));
      for (const r of records) await publisher.publish(key, r);
      await publisher.flush();
      await publisher.close();

      const entries = await readStream(ctx.redis, key);
      expect(entries.map((e) => e.records.length)).toEqual([...Array<number>(10).fill(100), 50]);
      expect(entries.map((e) => Number(e.fields.get('n')!.toString()))).toEqual(
        entries.map((e) => e.records.length),
      );
      expect(entries.every((e) => e.fields.get('v')!.toString() === String(ENTRY_SCHEMA_VERSION))).toBe(true);
      expect(entries.flatMap((e) => e.records)).toEqual(records);
    },
  );

  test('entry ids strictly increase per stream; acks report every entry with its count', async () => {
    const keys = streamKeys(ctx.prefix);
    const [a, b] = [
      keys.ticks({ venue: 'binance', symbol: 'ETHUSDT' }),
      keys.quotes({ venue: 'alpaca', symbol: 'AAPL' }),
    ];
    const acks: EntryAck[] = [];
    const publisher = new StreamPublisher(createRedis({ url: redisUrl() }), {
      maxRecordsPerEntry: 7,
      onAck: (ack) => acks.push(ack),
    });
    for (let i = 0; i < 500; i++) await publisher.publish(i % 3 === 0 ? a : b, trade(i));
    await publisher.publishMany(a, [trade(500), trade(501)]);
    await publisher.close();

    for (const key of [a, b]) {
      const ids = (await readStream(ctx.redis, key)).map((e) => e.id);
      for (let i = 1; i < ids.length; i++) expect(compareStreamIds(ids[i]!, ids[i - 1]!)).toBeGreaterThan(0);
      expect(acks.filter((x) => x.key === key).map((x) => x.id)).toEqual(expect.arrayContaining(ids));
    }
    expect(acks.reduce((n, x) => n + x.count, 0)).toBe(502);
    const seqs = [...(await storedSequence(ctx.redis, a)), ...(await storedSequence(ctx.redis, b))];
    expect(ledger(seqs, 502)).toEqual({ duplicates: 0, missing: 0 });
  });

  test('continues above an existing stream top (learned at first use)', async () => {
    const key = streamKeys(ctx.prefix).ticks({ venue: 'binance', symbol: 'SOLUSDT' });
    const future = Date.now() + 3_600_000;
    await ctx.redis.xadd(key, `${future}-5`, 'd', '{}');
    await ctx.redis.xdel(key, `${future}-5`); // the top stays, even deleted
    const publisher = new StreamPublisher(createRedis({ url: redisUrl() }));
    await publisher.publish(key, trade(1));
    await publisher.close();
    const [entry] = await readStream(ctx.redis, key);
    expect(compareStreamIds(entry!.id, `${future}-5`)).toBeGreaterThan(0);
  });

  test('rejects publishing after close; close is idempotent', async () => {
    const publisher = new StreamPublisher(createRedis({ url: redisUrl() }));
    await Promise.all([publisher.close(), publisher.close()]);
    await expect(publisher.publish(`${ctx.prefix}:x`, {})).rejects.toThrow(/closed/);
  });
});
