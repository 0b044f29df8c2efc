import { createHash } from 'node:crypto';
import { parseReadReply, type RedisClient } from '@tickline/bus';

/**
 * KEYS[1] the stream, ARGV[1] the cursor (exclusive), ARGV[2] the count: the stream's entries-added and
 * length, and the entries after the cursor, read atomically. Returns {entries-added, length, XREAD reply or
 * false}; a missing stream is {0, 0, false} (nothing was added or trimmed either). One script instead of a
 * MULTI of XINFO STREAM and XREAD: one command and one short reply per read, where the MULTI took four
 * commands and XINFO's reply carried the stream's first and last entries besides.
 */
const READ_BATCH_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {0, 0, false} end
local info = redis.call('XINFO', 'STREAM', key)
local added, length = 0, 0
for i = 1, #info, 2 do
  if info[i] == 'entries-added' then added = info[i + 1] elseif info[i] == 'length' then length = info[i + 1] end
end
return {added, length, redis.call('XREAD', 'COUNT', ARGV[2], 'STREAMS', key, ARGV[1])}
`;
const READ_BATCH_SHA = createHash('sha1').update(READ_BATCH_SCRIPT).digest('hex');

/** A batch of a stream and its counters, read at one moment. */
export interface Batch {
  readonly entries: ReturnType<typeof parseReadReply>;
  readonly entriesAdded: number;
  readonly length: number;
}

function toBatch(reply: unknown, key: string): Batch {
  if (!Array.isArray(reply) || reply.length !== 3) throw new Error(`no reply to the read of ${key}`);
  const [added, length, read] = reply as [unknown, unknown, unknown];
  return { entries: parseReadReply(read), entriesAdded: Number(added), length: Number(length) };
}

/** The script is not loaded on this server yet (first use, or after a restart or SCRIPT FLUSH). */
const missingScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');

/** Entries after `cursor` and the stream's counters, read atomically (one script). */
export async function readBatch(
  redis: RedisClient,
  key: string,
  cursor: string,
  count: number,
): Promise<Batch> {
  try {
    return toBatch(await redis.callBuffer('EVALSHA', READ_BATCH_SHA, 1, key, cursor, count), key);
  } catch (error) {
    if (!missingScript(error)) throw error;
    return loadAndReadBatch(redis, key, cursor, count);
  }
}

/** readBatch by the script's text (EVAL), which also loads it for the EVALSHA calls after. */
async function loadAndReadBatch(
  redis: RedisClient,
  key: string,
  cursor: string,
  count: number,
): Promise<Batch> {
  return toBatch(await redis.callBuffer('EVAL', READ_BATCH_SCRIPT, 1, key, cursor, count), key);
}

/**
 * Waits up to `blockMs` for an entry after `cursor` (XREAD BLOCK), then reads the batch as readBatch does,
 * in one write: Redis runs the script as soon as the wait ends, so a wake-up costs one round trip, not two.
 */
export async function waitThenReadBatch(
  redis: RedisClient,
  key: string,
  cursor: string,
  count: number,
  blockMs: number,
): Promise<Batch> {
  const replies =
    (await redis
      .pipeline()
      .xreadBuffer('COUNT', 1, 'BLOCK', blockMs, 'STREAMS', key, cursor)
      .callBuffer('EVALSHA', READ_BATCH_SHA, 1, key, cursor, count)
      .exec()) ?? [];
  const [wait, read] = replies;
  if (wait?.[0]) throw wait[0];
  if (read?.[0]) {
    if (!missingScript(read[0])) throw read[0];
    return loadAndReadBatch(redis, key, cursor, count); // the wait is over already
  }
  return toBatch(read?.[1], key);
}
