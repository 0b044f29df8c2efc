import { loadConfig } from '@tickline/config';
import { decodeAny, streamKeys } from '@tickline/bus';
import { startApp } from '@tickline/runtime';
import { createSinkService } from '@tickline/sink-service';
import { queryBars } from '@tickline/storage';
import { waitFor } from '@tickline/testkit';
import { barSeries, publishBars, useSinkStores, sinkEnv } from './sinkHarness';

const stores = useSinkStores('tlsinkpoison');

test('an invalid bar goes to tl:dlq:sink with its entry; the valid bars around it are written', async () => {
  const bars = barSeries('BTCUSDT', '1m', 30);
  const poisoned = bars.map((bar, i) => (i === 12 ? { ...bar, high: -1 } : bar));
  await publishBars(stores.ctx.redis, stores.ctx.prefix, poisoned, 10);
  const app = await startApp({
    services: [createSinkService({ timeframes: ['1m'], consumer: 'poison-sink' })],
    config: loadConfig({
      env: sinkEnv({
        prefix: stores.ctx.prefix,
        cacheDir: stores.cache.root,
        databaseUrl: stores.schema.url,
      }),
    }),
  });
  try {
    const dlq = streamKeys(stores.ctx.prefix).dlq('sink');
    await waitFor(async () => (await stores.ctx.redis.xlen(dlq)) === 1);
    const query = {
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      from: 0,
      to: Date.UTC(2030, 0, 1),
    } as const;
    await waitFor(async () => (await queryBars(stores.schema.db, query)).length === 29);
    expect((await queryBars(stores.schema.db, query)).map((b) => b.start)).toEqual(
      bars.filter((_, i) => i !== 12).map((b) => b.start),
    );
    const [[, fields]] = (await stores.ctx.redis.xrangeBuffer(dlq, '-', '+')) as [[Buffer, Buffer[]]];
    const letter = new Map<string, Buffer>();
    for (let i = 0; i < fields.length; i += 2) letter.set(fields[i]!.toString(), fields[i + 1]!);
    expect(letter.get('reason')!.toString()).toMatch(/invalid bar: record 2: high/);
    expect(decodeAny(letter.get('payload')!)).toHaveLength(10);
  } finally {
    await app.close();
  }
});
