import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diskSpace, parseRedisMemory, registerPipelineMetrics } from '@tickline/monitor-service';
import { Registry } from 'prom-client';

const INFO = [
  '# Memory',
  'used_memory:1048576',
  'used_memory_human:1.00M',
  'used_memory_rss:9437184',
  'maxmemory:4194304',
  'maxmemory_human:4.00M',
  'maxmemory_policy:noeviction',
  '',
].join('\r\n');

describe('parseRedisMemory', () => {
  it('reads used_memory and maxmemory, not their _human or _rss neighbours', () => {
    expect(parseRedisMemory(INFO)).toEqual({ usedBytes: 1_048_576, maxBytes: 4_194_304 });
  });

  it('gives nothing when a field is missing', () => {
    expect(parseRedisMemory('# Memory\r\nused_memory:10\r\n')).toBeUndefined();
  });
});

describe('diskSpace', () => {
  it('reads the filesystem of the nearest existing ancestor of a directory not made yet', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-disk-'));
    try {
      const here = await diskSpace(dir);
      expect(here?.freeBytes).toBeGreaterThan(0);
      expect(here!.sizeBytes).toBeGreaterThanOrEqual(here!.freeBytes);
      const later = await diskSpace(path.join(dir, 'not', 'made', 'yet'));
      expect(later?.sizeBytes).toBe(here!.sizeBytes);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the resource gauges show a Redis limit and the cache disk per reading', async () => {
  const registry = new Registry();
  registerPipelineMetrics(
    registry,
    () => Promise.reject(new Error('not read here')),
    () =>
      Promise.resolve({
        redis: [{ node: 'redis:6379', usedBytes: 1_048_576, maxBytes: 4_194_304 }],
        cacheDisk: { freeBytes: 10, sizeBytes: 100 },
      }),
  );
  const values = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;
  expect(await values('tickline_redis_maxmemory_bytes')).toEqual([
    { labels: { node: 'redis:6379' }, value: 4_194_304 },
  ]);
  expect(await values('tickline_redis_used_memory_bytes')).toEqual([
    { labels: { node: 'redis:6379' }, value: 1_048_576 },
  ]);
  expect(await values('tickline_cache_disk_free_bytes')).toEqual([{ labels: {}, value: 10 }]);
  expect(await values('tickline_cache_disk_size_bytes')).toEqual([{ labels: {}, value: 100 }]);
});
