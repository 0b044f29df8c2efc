import type { RedisClient } from './redisClient';

/** One consumer group of a stream, as XINFO GROUPS reports it. */
export interface ConsumerGroupLag {
  readonly group: string;
  /**
   * Entries not yet delivered to the group (Redis 7 `lag`); undefined when Redis cannot tell (it reports
   * null after entries were deleted or trimmed past the group's position).
   */
  readonly lag: number | undefined;
  /** Delivered but not yet acknowledged. */
  readonly pending: number;
}

/** XINFO GROUPS of `stream`, each group's fields by name; a stream that does not exist has no groups. */
export async function groupFields(redis: RedisClient, stream: string): Promise<Map<string, unknown>[]> {
  let rows: unknown;
  try {
    rows = await redis.call('XINFO', 'GROUPS', stream);
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return [];
    throw error;
  }
  return (rows as unknown[]).map((row) => {
    const fields = new Map<string, unknown>();
    const flat = row as unknown[];
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
    return fields;
  });
}

/** XINFO GROUPS of `stream` as records; a stream that does not exist has no groups. */
export async function consumerGroups(redis: RedisClient, stream: string): Promise<ConsumerGroupLag[]> {
  return (await groupFields(redis, stream)).map((info) => {
    const lag = info.get('lag');
    return {
      group: String(info.get('name')),
      lag: typeof lag === 'number' ? lag : undefined,
      pending: Number(info.get('pending') ?? 0),
    };
  });
}

/**
 * A readiness check for a consumer: throws, naming the stream, when `group` is more than `maxLag`
 * entries behind on any of `streams`. A lag Redis cannot tell, or a group not created yet, passes:
 * readiness must not flap on what it cannot know. `maxLag` 0 turns the check off.
 */
export function lagReadiness(
  redis: RedisClient,
  streams: () => readonly string[],
  group: string,
  maxLag: number,
): () => Promise<void> {
  return async () => {
    if (maxLag <= 0) return;
    const behind: string[] = [];
    for (const stream of streams()) {
      const lag = (await consumerGroups(redis, stream)).find((g) => g.group === group)?.lag;
      if (lag !== undefined && lag > maxLag) behind.push(`${stream} ${lag}`);
    }
    if (behind.length > 0) {
      throw new Error(`group ${group} is behind by more than ${maxLag} entries: ${behind.join(', ')}`);
    }
  };
}
