// A backfill worker in its own process: fetches `pages` ten-minute kline pages from the Binance mock
// through a gate whose rate limit is shared in Redis. Args: restUrl, prefix, limit, windowMs, marginMs, pages, offset.
import Redis from 'ioredis';
import { ProviderGate, RedisRateLimiter } from '@tickline/providers';
import { BinanceHistory } from '../../src';

async function main(): Promise<void> {
  const [restUrl, prefix, limit, windowMs, marginMs, pages, offset] = process.argv.slice(2);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const rules = [{ limit: Number(limit), windowMs: Number(windowMs), marginMs: Number(marginMs) }];
  const gate = new ProviderGate({
    provider: 'binance',
    limiter: new RedisRateLimiter({ redis, prefix, provider: 'binance', rules }),
  });
  const history = new BinanceHistory({ restUrl: restUrl!, gate });
  const T0 = Date.UTC(2024, 0, 1) + Number(offset) * 86_400_000;
  let bars = 0;
  for (let i = 0; i < Number(pages); i++) {
    const from = T0 + i * 600_000;
    const page = await history.fetchPage({
      instrument: { venue: 'binance', symbol: 'BTCUSDT', assetClass: 'crypto' },
      timeframe: '1m',
      from,
      to: from + 600_000,
    });
    bars += page.bars.length;
  }
  process.stdout.write(`done ${bars}\n`);
  redis.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
