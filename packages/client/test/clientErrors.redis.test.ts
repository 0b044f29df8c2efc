import { loadConfig } from '@tickline/config';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { firstValueFrom } from 'rxjs';
import { ClientError, clientOptionsFromConfig, createClient, type TicklineClient } from '../src';

let context: RedisTestContext;
let client: TicklineClient;
beforeEach(() => {
  context = redisTestContext('tlclient');
  client = createClient({ prefix: context.prefix, blockMs: 200 });
});
afterEach(async () => {
  await client.close();
  await context.cleanup();
});

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ClientError);
    return `${(error as ClientError).code}: ${(error as Error).message}`;
  }
  return undefined;
}

describe('client arguments and errors', () => {
  it('refuses a bad instrument, timeframe, `from`, source or option with an error naming it', () => {
    expect(codeOf(() => client.bars('BTCUSDT', '1m'))).toMatch(
      /^INVALID_ARGUMENT: invalid instrument "BTCUSDT"/,
    );
    expect(codeOf(() => client.bars('binance:BTCUSDT', '7m'))).toMatch(
      /^INVALID_ARGUMENT: invalid timeframe/,
    );
    expect(codeOf(() => client.bars('binance:BTCUSDT', '1m', { from: 'yesterday' }))).toMatch(
      /^INVALID_ARGUMENT: from must be epoch milliseconds.*"yesterday"/,
    );
    expect(codeOf(() => client.bars('binance:BTCUSDT', '1m', { from: -5 }))).toMatch(/INVALID_ARGUMENT/);
    expect(codeOf(() => client.bars('binance:BTCUSDT', '1m', { source: 'database' }))).toMatch(
      /^NO_HISTORY_SOURCE: .*no databaseUrl/,
    );
    expect(codeOf(() => client.bars('binance:BTCUSDT', '1m', { source: 'cache' }))).toMatch(
      /^NO_HISTORY_SOURCE: .*no cacheDir/,
    );
    expect(codeOf(() => client.bars('binance:BTCUSDT', '1m', { source: 'db' as 'cache' }))).toBe(
      'INVALID_ARGUMENT: source must be one of database, cache, stream, got "db"',
    );
    expect(codeOf(() => client.ticks({ venue: 'nasdaq' as 'binance', symbol: 'AAPL' }))).toMatch(
      /^INVALID_ARGUMENT: invalid instrument/,
    );
    expect(codeOf(() => createClient({ blockMs: 0 }))).toBe(
      'INVALID_ARGUMENT: client option blockMs must be a positive integer, got 0',
    );
  });

  it('ends a subscription with HISTORY_FAILED when the store cannot be read, without the password', async () => {
    const broken = createClient({
      prefix: context.prefix,
      databaseUrl: 'postgres://tickline:s3cret-pw@127.0.0.1:1/none',
    });
    try {
      const error = await firstValueFrom(broken.bars('binance:BTCUSDT', '1m', { from: 0 })).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClientError);
      expect((error as ClientError).code).toBe('HISTORY_FAILED');
      expect((error as Error).message).toMatch(
        /^reading binance:BTCUSDT 1m bars from 1970-01-01T00:00:00.000Z in the database failed/,
      );
      expect((error as Error).message).not.toContain('s3cret-pw');
    } finally {
      await broken.close();
    }
  });

  it('completes open subscriptions at close(), refuses new ones, and closes twice without harm', async () => {
    let completed = false;
    client.bars('binance:BTCUSDT', '1m').subscribe({ complete: () => (completed = true) });
    await client.close();
    await client.close();
    expect(completed).toBe(true);
    const error = await firstValueFrom(client.ticks('binance:BTCUSDT')).catch((e: unknown) => e);
    expect((error as ClientError).code).toBe('CLOSED');
  });

  it('takes Redis, prefix, database and cache from the shared configuration', async () => {
    const config = loadConfig({
      env: {
        TICKLINE_PREFIX: 'abc',
        DATABASE_URL: 'postgres://u@127.0.0.1/db',
        TICKLINE_CACHE_DIR: '/tmp/c',
      },
    });
    expect(clientOptionsFromConfig(config)).toMatchObject({
      prefix: 'abc',
      databaseUrl: 'postgres://u@127.0.0.1/db',
      cacheDir: '/tmp/c',
      redis: { url: config.redis.url },
    });
    const fromConfig = createClient(config);
    expect(() => fromConfig.bars('binance:BTCUSDT', '1m', { source: 'database' })).not.toThrow();
    await fromConfig.close();
    expect(() => createClient({}).bars('binance:BTCUSDT', '1m', { source: 'database' })).toThrow(ClientError);
  });
});
