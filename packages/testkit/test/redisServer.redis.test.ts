import { RedisServer, testRedisClient } from '@tickline/testkit';

describe('RedisServer (test-owned redis-server)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.destroy();
  });

  test('keeps its data across a kill -9 restart (append-only file)', async () => {
    const client = testRedisClient(server.url, { maxRetriesPerRequest: 20 });
    try {
      await client.set('k', 'v1');
      await server.restart();
      expect(await client.get('k')).toBe('v1');
    } finally {
      client.disconnect();
    }
  });
});
