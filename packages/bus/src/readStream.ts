import { decodeAny, recordsOf } from './codec';
import { type RedisClient } from './redisClient';

const PAGE = 1000;

/** One stream entry: its id (the writer's clock, ms-seq) and its records, batch unpacked. */
export interface StreamEntryRecords<T> {
  readonly id: string;
  readonly records: T[];
}

/**
 * Every entry of a stream with its records, in order: for tools, summaries and tests that read a stream
 * whole (consumers use StreamConsumer). Reads in pages of XRANGE so a long stream is no one reply.
 */
export async function readStreamEntries<T = Record<string, unknown>>(
  redis: RedisClient,
  key: string,
): Promise<StreamEntryRecords<T>[]> {
  const out: StreamEntryRecords<T>[] = [];
  let start = '-';
  for (;;) {
    const rows = await redis.xrangeBuffer(key, start, '+', 'COUNT', PAGE);
    for (const [id, fields] of rows) {
      const at = fields.findIndex((field, i) => i % 2 === 0 && field.toString() === 'd');
      const payload = at < 0 ? undefined : fields[at + 1];
      if (payload) out.push({ id: id.toString(), records: recordsOf(decodeAny(payload)) as T[] });
    }
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || !last) return out;
    start = `(${last[0].toString()}`;
  }
}

/** Every record of a stream, in order, batch entries unpacked. */
export async function readStreamRecords<T = Record<string, unknown>>(
  redis: RedisClient,
  key: string,
): Promise<T[]> {
  return (await readStreamEntries<T>(redis, key)).flatMap((entry) => entry.records);
}
