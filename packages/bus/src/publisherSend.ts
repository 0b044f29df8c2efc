import { type ChainableCommander } from 'ioredis';
import { ENTRY_SCHEMA_VERSION } from './codec';
import { hashTagOf } from './keys';
import { classifyXadd, refusedEntryIsStored, type XaddOutcome } from './publisherBatch';
import { isCluster, type RedisClient } from './redisClient';
import { compareStreamIds, formatStreamId, parseStreamId, ZERO_ID, type StreamId } from './streamId';

/** One stream entry on its way: explicit id, encoded batch, record count. */
export interface OutgoingEntry {
  readonly key: string;
  readonly id: StreamId;
  readonly payload: Buffer;
  readonly count: number;
}

/** Replies in command order, one `[error, result]` per command; a failed round trip fails every command. */
type Replies = [Error | null, unknown][];

/**
 * Runs `commands` for `keys` in one round trip, or on Cluster one pipeline per hash tag (every key of a tag
 * lives in one slot), and returns the replies in the order of `keys`.
 */
async function pipelined(
  redis: RedisClient,
  keys: readonly string[],
  commands: (pipeline: ChainableCommander, key: string, index: number) => void,
  perKey: number,
): Promise<Replies> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, index) => {
    const tag = isCluster(redis) ? hashTagOf(key) : '';
    const list = groups.get(tag);
    if (list) list.push(index);
    else groups.set(tag, [index]);
  });
  const replies: Replies = new Array<[Error | null, unknown]>(keys.length * perKey);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const pipeline = redis.pipeline();
      for (const index of indexes) commands(pipeline, keys[index]!, index);
      let results: Replies;
      try {
        results = (await pipeline.exec()) ?? [];
      } catch (error) {
        results = [];
        const failure = error instanceof Error ? error : new Error(String(error));
        for (let i = 0; i < indexes.length * perKey; i++) results.push([failure, null]);
      }
      indexes.forEach((index, i) => {
        for (let k = 0; k < perKey; k++) {
          replies[index * perKey + k] = results[i * perKey + k] ?? [new Error('no reply'), null];
        }
      });
    }),
  );
  return replies;
}

/** Sends the entries, in order, and tells for each what its reply means. */
export async function sendEntries(
  redis: RedisClient,
  entries: readonly OutgoingEntry[],
): Promise<XaddOutcome[]> {
  const replies = await pipelined(
    redis,
    entries.map((e) => e.key),
    (pipeline, key, index) => {
      const entry = entries[index]!;
      pipeline.xadd(
        key,
        formatStreamId(entry.id),
        'v',
        ENTRY_SCHEMA_VERSION,
        'n',
        entry.count,
        'd',
        entry.payload,
      );
    },
    1,
  );
  return replies.map(([error]) => classifyXadd(error));
}

/**
 * The last id each stream ever generated (XINFO STREAM `last-generated-id`, which stays above deleted and
 * trimmed entries), or 0-0 for a stream that does not exist yet. Throws when Redis does not answer.
 */
export async function loadLastIds(redis: RedisClient, keys: readonly string[]): Promise<StreamId[]> {
  const replies = await pipelined(redis, keys, (pipeline, key) => pipeline.xinfo('STREAM', key), 1);
  return replies.map(([error, reply]) => {
    if (error) {
      if (/no such key/i.test(error.message)) return ZERO_ID;
      throw error;
    }
    const fields = reply as unknown[];
    const at = fields.indexOf('last-generated-id');
    return parseStreamId(String(fields[at + 1]));
  });
}

/**
 * For entries refused as "not above the top": true when stored (present, or trimmed since), false for a
 * gap (the entry must get a new id), undefined when Redis did not answer (ask again later).
 */
export async function verifyRefused(
  redis: RedisClient,
  entries: readonly OutgoingEntry[],
): Promise<(boolean | undefined)[]> {
  const replies = await pipelined(
    redis,
    entries.map((e) => e.key),
    (pipeline, key, index) => {
      const id = formatStreamId(entries[index]!.id);
      pipeline.xrange(key, id, id).xrange(key, '-', '+', 'COUNT', 1);
    },
    2,
  );
  return entries.map((entry, i) => {
    const [own, first] = [replies[i * 2]!, replies[i * 2 + 1]!];
    if (own[0] || first[0]) return undefined;
    const firstEntry = (first[1] as [string, unknown][])[0];
    const firstId = firstEntry ? parseStreamId(firstEntry[0]) : undefined;
    return refusedEntryIsStored((own[1] as unknown[]).length > 0, entry.id, firstId, compareStreamIds);
  });
}
