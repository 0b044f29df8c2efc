import { groupFields } from './consumerGroups';
import { type RedisClient } from './redisClient';
import { formatStreamId } from './streamId';
import { TRIM_WITH_LOSS_SCRIPT } from './trimScript';
import {
  safeMinId,
  TRIM_DEFAULTS,
  type GroupLoss,
  type GroupPosition,
  type TrimOptions,
  type TrimReport,
} from './trimPolicy';

/** Each group's last-delivered id and oldest pending id; empty when the stream has no group or no key. */
export async function readGroupPositions(redis: RedisClient, key: string): Promise<GroupPosition[]> {
  const groups = await groupFields(redis, key);
  return Promise.all(
    groups.map(async (group) => {
      const name = String(group.get('name'));
      const pending = Number(group.get('pending'));
      // Summary form: [count, smallest id, greatest id, consumers].
      const summary = pending > 0 ? await redis.xpending(key, name) : [];
      const oldest = summary[1];
      return {
        name,
        lastDeliveredId: String(group.get('last-delivered-id')),
        oldestPendingId: typeof oldest === 'string' ? oldest : undefined,
      };
    }),
  );
}

/**
 * Cuts a stream to `keep` entries (`~` when `approximate`) and reports, per group, the unacknowledged entries
 * that went with them: one atomic script in the stream's slot.
 */
export async function trimToLength(
  redis: RedisClient,
  key: string,
  keep: number,
  approximate: boolean,
): Promise<TrimReport> {
  const reply = (await redis.eval(TRIM_WITH_LOSS_SCRIPT, 1, key, keep, approximate ? '~' : '=')) as unknown[];
  const lost: GroupLoss[] = [];
  for (let i = 1; i + 2 < reply.length; i += 3) {
    const pending = Number(reply[i + 1]);
    const undelivered = Number(reply[i + 2]);
    if (pending + undelivered > 0) lost.push({ group: String(reply[i]), pending, undelivered });
  }
  const lostTotal = lost.reduce((sum, g) => sum + g.pending + g.undelivered, 0);
  return { key, how: 'maxlen', removed: Number(reply[0]), lost, lostTotal };
}

/** One trim of one stream under `options` (see `TrimOptions`). */
export async function trimStream(
  redis: RedisClient,
  key: string,
  options: TrimOptions = {},
): Promise<TrimReport> {
  const { mode = TRIM_DEFAULTS.mode, maxLen = TRIM_DEFAULTS.maxLen, hardMaxLen } = options;
  if (mode === 'none') return { key, how: 'none', removed: 0, lost: [], lostTotal: 0 };
  if (mode === 'maxlen') return trimToLength(redis, key, maxLen, true);
  const groups = await readGroupPositions(redis, key);
  const minId = safeMinId(groups);
  if (!minId) {
    // Nothing reads this stream through a group, so nothing unacknowledged can be lost.
    const removed = await redis.xtrim(key, 'MAXLEN', '~', maxLen);
    return { key, how: 'maxlen', removed, lost: [], lostTotal: 0 };
  }
  const id = formatStreamId(minId);
  const removed = await redis.xtrim(key, 'MINID', '~', id);
  if (hardMaxLen === undefined || (await redis.xlen(key)) <= hardMaxLen) {
    return { key, how: 'minid', minId: id, removed, lost: [], lostTotal: 0 };
  }
  const forced = await trimToLength(redis, key, hardMaxLen, false);
  return { ...forced, minId: id, removed: removed + forced.removed };
}
