import type { RedisClient } from './redisClient';

/**
 * Service heartbeats: every running service writes one field of the hash `<prefix>:heartbeats`
 * (`service@instance`) every few seconds. One key rather than a key per service, so that
 * `tickline status` reads them all with one HGETALL, also on Redis Cluster, and a crashed process
 * stays visible (as dead) instead of vanishing with an expired key.
 */
export interface Heartbeat {
  readonly service: string;
  /** `host:pid`: tells two replicas of a service apart. */
  readonly instance: string;
  readonly version: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly beatAt: number;
  /** A beat older than this (ms) means the process is gone or hung. */
  readonly ttlMs: number;
  /** Where its `/healthz`, `/readyz` and `/metrics` are served. */
  readonly url?: string;
  /** `running`, `stopping`...; `stopped` is written on a graceful stop. */
  readonly phase: string;
}

export interface HeartbeatView extends Heartbeat {
  readonly alive: boolean;
  readonly ageMs: number;
}

/** Dead entries are pruned after this long, so a restarted fleet does not list old pids forever. */
export const HEARTBEAT_RETENTION_MS = 24 * 3600_000;

export function heartbeatsKey(prefix: string): string {
  return `${prefix}:heartbeats`;
}

export async function writeHeartbeat(redis: RedisClient, prefix: string, beat: Heartbeat): Promise<void> {
  await redis.hset(heartbeatsKey(prefix), `${beat.service}@${beat.instance}`, JSON.stringify(beat));
}

/** Every heartbeat, alive ones first, sorted by service; prunes entries past the retention. */
export async function readHeartbeats(
  redis: RedisClient,
  prefix: string,
  now = Date.now(),
): Promise<HeartbeatView[]> {
  const key = heartbeatsKey(prefix);
  const fields = await redis.hgetall(key);
  const views: HeartbeatView[] = [];
  const expired: string[] = [];
  for (const [field, text] of Object.entries(fields)) {
    const beat = parseHeartbeat(text);
    if (beat === undefined || now - beat.beatAt > HEARTBEAT_RETENTION_MS) {
      expired.push(field);
      continue;
    }
    const ageMs = Math.max(0, now - beat.beatAt);
    views.push({ ...beat, ageMs, alive: beat.phase !== 'stopped' && ageMs <= beat.ttlMs });
  }
  if (expired.length > 0) await redis.hdel(key, ...expired);
  return views.sort(
    (a, b) =>
      Number(b.alive) - Number(a.alive) ||
      a.service.localeCompare(b.service) ||
      a.instance.localeCompare(b.instance),
  );
}

function parseHeartbeat(text: string): Heartbeat | undefined {
  try {
    const value = JSON.parse(text) as Partial<Heartbeat>;
    return typeof value.service === 'string' &&
      typeof value.instance === 'string' &&
      typeof value.beatAt === 'number' &&
      typeof value.ttlMs === 'number'
      ? (value as Heartbeat)
      : undefined;
  } catch {
    return undefined;
  }
}
