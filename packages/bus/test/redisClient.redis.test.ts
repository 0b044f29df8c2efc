import { bullConnection, createRedis, reconnectDelay, redactSecrets, type BusLogger } from '@tickline/bus';
import { RedisServer, waitFor } from '@tickline/testkit';

const PASSWORD = 'pw-3f9c1d-very-secret';

function capture(): { logger: BusLogger; lines: string[] } {
  const lines: string[] = [];
  const log = (message: string, details?: Record<string, unknown>) =>
    lines.push(`${message} ${JSON.stringify(details)}`);
  return { logger: { warn: log, error: log }, lines };
}

describe('createRedis against a test-owned redis-server with an ACL user', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({
      appendOnly: false,
      // ACL rules as separate arguments; `default` may only PING (the readiness probe).
      extraArgs: [
        '--user',
        'ingest',
        'on',
        `>${PASSWORD}`,
        '~tl:*',
        '+@all',
        '--user',
        'default',
        'on',
        'nopass',
        '-@all',
        '+ping',
      ],
    });
  });
  afterAll(async () => {
    await server.destroy();
  });

  test('connects with the ACL user and password from options', async () => {
    const redis = createRedis({ url: server.url, username: 'ingest', password: PASSWORD });
    try {
      expect(await redis.call('ACL', 'WHOAMI')).toBe('ingest');
    } finally {
      redis.disconnect();
    }
  });

  test('a paused server makes commands time out instead of hanging', async () => {
    const redis = createRedis({
      url: `redis://ingest:${PASSWORD}@127.0.0.1:${server.port}`,
      commandTimeoutMs: 200,
    });
    try {
      await redis.ping();
      server.pause();
      await expect(redis.set('tl:k', 'v')).rejects.toThrow(/timed out/);
    } finally {
      server.resume();
      redis.disconnect();
    }
  });

  test('a wrong password: the error is logged and thrown without the secret', async () => {
    const { logger, lines } = capture();
    const wrong = `${PASSWORD}-wrong`;
    const redis = createRedis({
      url: `redis://ingest:${encodeURIComponent(wrong)}@127.0.0.1:${server.port}`,
      commandTimeoutMs: 300,
      logger,
    });
    try {
      const error = await redis.ping().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      await waitFor(() => lines.length > 0, { what: 'a logged connection error' });
      expect(error).toBeInstanceOf(Error);
      expect(lines.join('\n')).toMatch(/WRONGPASS|auth/i);
      for (const text of [...lines, error!.message, String(error!.stack)])
        expect(text).not.toContain(PASSWORD);
    } finally {
      redis.disconnect();
    }
  });
});

describe('connection helpers', () => {
  test('reconnectDelay doubles up to the cap, with jitter in [50%, 100%]', () => {
    expect(reconnectDelay(1, 100, 5000, () => 1)).toBe(100);
    expect(reconnectDelay(4, 100, 5000, () => 1)).toBe(800);
    expect(reconnectDelay(40, 100, 5000, () => 1)).toBe(5000);
    expect(reconnectDelay(40, 100, 5000, () => 0)).toBe(2500);
  });

  test('redactSecrets removes every occurrence', () => {
    expect(redactSecrets('a s3 b s3', ['s3', undefined])).toBe('a *** b ***');
  });

  test('a BullMQ connection has no command or socket timeout and no retry limit per request', async () => {
    const bounded = createRedis({ commandTimeoutMs: 100 });
    const bull = bullConnection({ commandTimeoutMs: 100 }, 'test-bull');
    try {
      expect(bounded.options).toMatchObject({ commandTimeout: 100, socketTimeout: 100 });
      expect(bull.options).not.toHaveProperty('commandTimeout');
      expect(bull.options).not.toHaveProperty('socketTimeout');
      expect((bull.options as { maxRetriesPerRequest: unknown }).maxRetriesPerRequest).toBeNull();
      // A blocking wait longer than the settings' command timeout ends by itself, not by a timeout.
      const key = `tl-test-bull-${Date.now()}`;
      await expect(bounded.call('BLPOP', key, '0.3')).rejects.toThrow(/timed out/i);
      expect(await bull.call('BLPOP', key, '0.3')).toBeNull();
    } finally {
      bounded.disconnect();
      bull.disconnect();
    }
  });

  test('an invalid url is named without its content', () => {
    expect(() => createRedis({ url: `redis://u:${PASSWORD}@[bad` })).toThrow(/invalid Redis url/);
    try {
      createRedis({ url: `redis://u:${PASSWORD}@[bad` });
    } catch (error) {
      expect((error as Error).message).not.toContain(PASSWORD);
    }
  });
});
