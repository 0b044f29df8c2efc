import { join } from 'node:path';
import { readStreamRecords, streamKeys } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import { AlpacaMockServer, readAlpacaRecording } from '@tickline/venues';
import { FEED_FACTORIES, Ingestor } from '../src';
import { noMetrics, quiet } from './support/silent';

const SESSION = join(
  __dirname,
  '../../../packages/venues/data/alpaca/iex_AAPL_MSFT_2024-03-12T1330_to_1335_generated.jsonl.gz',
);

/** The trades of the bundled session, per symbol, as the mock will send them. */
async function sessionTradeIds(): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>();
  for await (const { frame } of readAlpacaRecording(SESSION)) {
    for (const item of JSON.parse(frame) as Array<{ T: string; S: string; i: number }>) {
      if (item.T !== 't') continue;
      ids.set(item.S, [...(ids.get(item.S) ?? []), String(item.i)]);
    }
  }
  return ids;
}

describe('ingestor with the Alpaca feed from config', () => {
  let ctx: RedisTestContext;
  beforeEach(() => {
    ctx = redisTestContext('tlalpaca');
  });
  afterEach(() => ctx.cleanup());

  it('refuses to start an alpaca feed without keys, naming the variables', () => {
    const config = loadConfig({ env: { TICKLINE_INSTRUMENTS: 'alpaca:AAPL' } });
    expect(() => FEED_FACTORIES.alpaca!({ config, symbols: ['AAPL'], onError: () => undefined })).toThrow(
      /APCA_API_KEY_ID and APCA_API_SECRET_KEY/,
    );
  });

  it('publishes every trade of the replayed session to its tick stream, in order, and amendments to the corrections stream', async () => {
    const mock = await AlpacaMockServer.start({ keyId: 'k-test', secretKey: 's-test' });
    const config = loadConfig({
      env: {
        TICKLINE_INSTRUMENTS: 'alpaca:AAPL,alpaca:MSFT',
        TICKLINE_ALPACA_WS_URL: mock.url,
        APCA_API_KEY_ID: 'k-test',
        APCA_API_SECRET_KEY: 's-test',
      },
    });
    const feed = FEED_FACTORIES.alpaca!({ config, symbols: ['AAPL', 'MSFT'], onError: () => undefined });
    const keys = streamKeys(ctx.prefix);
    const ingestor = new Ingestor({
      feeds: [feed],
      redis: testRedisClient(),
      keys,
      metrics: noMetrics,
      logger: quiet,
      clock: 'event',
    });
    const expected = await sessionTradeIds();
    const total = [...expected.values()].reduce((n, list) => n + list.length, 0);
    try {
      await ingestor.start();
      await mock.waitForSubscription('trades', 'AAPL');
      await mock.waitForSubscription('trades', 'MSFT');
      await mock.replayFile(SESSION, { speed: 'max' });
      await waitFor(() => ingestor.counts.trades === total, { what: `${total} trades` });
      await ingestor.publisher.flush();
      for (const [symbol, ids] of expected) {
        const ticks = await readStreamRecords<{ id: string; symbol: string }>(
          ctx.redis,
          keys.ticks({ venue: 'alpaca', symbol }),
        );
        expect(ticks.map((t) => t.id)).toEqual(ids);
        expect(ticks.every((t) => t.symbol === symbol)).toBe(true);
      }

      // A cancel and a correction of two AAPL trades: their own stream, the tick stream untouched.
      const [first, second] = expected.get('AAPL')!;
      const t = '2024-03-12T13:36:00.5Z';
      mock.publishItems([
        { T: 'x', S: 'AAPL', i: Number(first), x: 'V', p: 172.94, s: 100, a: 'C', t, z: 'C' },
        {
          T: 'c',
          S: 'AAPL',
          x: 'V',
          oi: Number(second),
          op: 172.95,
          os: 100,
          oc: ['@'],
          ci: 9,
          cp: 172.96,
          cs: 100,
          cc: ['@'],
          t,
          z: 'C',
        },
      ]);
      await waitFor(() => ingestor.counts.amendments === 2, { what: '2 amendments' });
      await ingestor.publisher.flush();
      const amendments = await readStreamRecords(
        ctx.redis,
        keys.corrections({ venue: 'alpaca', symbol: 'AAPL' }),
      );
      expect(amendments).toEqual([
        expect.objectContaining({ kind: 'cancel', tradeId: first, action: 'C', recvTs: Date.parse(t) }),
        expect.objectContaining({
          kind: 'correction',
          tradeId: second,
          corrected: { id: '9', price: 172.96, size: 100, conditions: ['@'] },
        }),
      ]);
      expect(await ctx.redis.xlen(keys.ticks({ venue: 'alpaca', symbol: 'AAPL' }))).toBeGreaterThan(0);
      expect(ingestor.counts.trades).toBe(total);
    } finally {
      await ingestor.stop();
      await mock.close();
    }
  }, 30_000);
});
