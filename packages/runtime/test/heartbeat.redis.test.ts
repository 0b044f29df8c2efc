import {
  HEARTBEAT_RETENTION_MS,
  heartbeatsKey,
  readHeartbeats,
  writeHeartbeat,
  type HeartbeatView,
} from '@tickline/bus';
import { defineService, startApp } from '@tickline/runtime';
import { redisTestContext, waitFor } from '@tickline/testkit';
import { captureLogger } from './support/captureLogger';
import { testConfig } from './support/config';

const ctx = redisTestContext('tlhb');
afterAll(() => ctx.cleanup());

const idle = (name: string) =>
  defineService({ name, start: () => Promise.resolve({ stop: async () => {} }) });

describe('service heartbeats', () => {
  it('are written for every service of a running app and removed on a graceful stop', async () => {
    const config = testConfig({ TICKLINE_PREFIX: ctx.prefix, TICKLINE_HEARTBEAT_INTERVAL_MS: '50' });
    const app = await startApp({
      services: [idle('alpha'), idle('beta')],
      config,
      logger: captureLogger(config).logger,
      heartbeats: true,
    });
    try {
      let first: HeartbeatView[] = [];
      await waitFor(async () => (first = await readHeartbeats(ctx.redis, ctx.prefix)).length === 2);
      expect(first.map((b) => [b.service, b.alive, b.url, b.pid])).toEqual([
        ['alpha', true, app.url, process.pid],
        ['beta', true, app.url, process.pid],
      ]);
      // The beat is refreshed while the app runs.
      let later: HeartbeatView[] = [];
      await waitFor(
        async () => (later = await readHeartbeats(ctx.redis, ctx.prefix))[0]!.beatAt > first[0]!.beatAt,
      );
      expect(later[0]!.startedAt).toBe(first[0]!.startedAt);
    } finally {
      await app.close();
    }
    expect(await readHeartbeats(ctx.redis, ctx.prefix)).toEqual([]);
  });

  it('shows a silent process as dead and prunes entries past the retention', async () => {
    const now = Date.now();
    const base = { version: '0.1.0', pid: 1, startedAt: now - 60_000, ttlMs: 15_000, phase: 'running' };
    await writeHeartbeat(ctx.redis, ctx.prefix, {
      ...base,
      service: 'sink',
      instance: 'a:1',
      beatAt: now - 1000,
    });
    await writeHeartbeat(ctx.redis, ctx.prefix, {
      ...base,
      service: 'sink',
      instance: 'b:2',
      beatAt: now - 60_000,
    });
    await writeHeartbeat(ctx.redis, ctx.prefix, {
      ...base,
      service: 'aggregator',
      instance: 'c:3',
      beatAt: now - HEARTBEAT_RETENTION_MS - 1,
    });
    await ctx.redis.hset(heartbeatsKey(ctx.prefix), 'garbage@x', '{not json');

    const beats = await readHeartbeats(ctx.redis, ctx.prefix, now);
    expect(beats.map((b) => [b.service, b.instance, b.alive, b.ageMs])).toEqual([
      ['sink', 'a:1', true, 1000],
      ['sink', 'b:2', false, 60_000],
    ]);
    expect(Object.keys(await ctx.redis.hgetall(heartbeatsKey(ctx.prefix))).sort()).toEqual([
      'sink@a:1',
      'sink@b:2',
    ]);
    await ctx.redis.del(heartbeatsKey(ctx.prefix));
  });
});
