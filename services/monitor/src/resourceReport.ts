import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isCluster, type RedisClient } from '@tickline/bus';

/** Memory of one Redis server, from `INFO memory`. */
export interface RedisMemory {
  /** `host:port` of the server (a Redis Cluster reports each master). */
  readonly node: string;
  readonly usedBytes: number;
  /** `maxmemory`; 0 means no limit. */
  readonly maxBytes: number;
}

/** The filesystem holding the file cache, from statfs. */
export interface DiskSpace {
  /** Bytes an unprivileged writer can still use (statfs `bavail`). */
  readonly freeBytes: number;
  readonly sizeBytes: number;
}

/** What the resources the pipeline lives on have left: Redis memory and the cache's disk. */
export interface ResourceReport {
  readonly redis: readonly RedisMemory[];
  /** Undefined when no ancestor of the cache directory can be read. */
  readonly cacheDisk?: DiskSpace;
}

/** `used_memory` and `maxmemory` of an `INFO memory` reply; undefined when either is missing. */
export function parseRedisMemory(info: string): { usedBytes: number; maxBytes: number } | undefined {
  const field = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:(\\d+)\\s*$`, 'm').exec(info);
    return match ? Number(match[1]) : undefined;
  };
  const usedBytes = field('used_memory');
  const maxBytes = field('maxmemory');
  return usedBytes === undefined || maxBytes === undefined ? undefined : { usedBytes, maxBytes };
}

async function redisMemory(redis: RedisClient): Promise<RedisMemory[]> {
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  const read = await Promise.all(
    nodes.map(async (node) => {
      const memory = parseRedisMemory(await node.info('memory'));
      const { host, port } = node.options;
      return memory === undefined ? [] : [{ node: `${host ?? 'localhost'}:${port ?? 6379}`, ...memory }];
    }),
  );
  return read.flat();
}

/**
 * Space left on the filesystem of `dir`. The cache directory may not exist yet (the sink makes it on
 * its first write): then the nearest existing ancestor, which is where it will be made.
 */
export async function diskSpace(dir: string): Promise<DiskSpace | undefined> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const stats = await fs.statfs(current);
      return { freeBytes: stats.bavail * stats.bsize, sizeBytes: stats.blocks * stats.bsize };
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) return undefined;
      current = parent;
    }
  }
}

/** Reads Redis memory and the cache's disk space; a failed Redis read rejects (the next scrape retries). */
export async function readResources(redis: RedisClient, cacheDir: string): Promise<ResourceReport> {
  const [memory, cacheDisk] = await Promise.all([redisMemory(redis), diskSpace(cacheDir)]);
  return cacheDisk === undefined ? { redis: memory } : { redis: memory, cacheDisk };
}
