import { decodeAny, recordsOf } from '@tickline/bus';
import type Redis from 'ioredis';

/** Every record of a stream, in order (batch entries unpacked). */
export async function readRecords<T = Record<string, unknown>>(redis: Redis, key: string): Promise<T[]> {
  const out: T[] = [];
  let start = '-';
  for (;;) {
    const rows = await redis.xrangeBuffer(key, start, '+', 'COUNT', 1000);
    for (const [, fields] of rows) {
      const at = fields.findIndex((f, i) => i % 2 === 0 && f.toString() === 'd');
      out.push(...(recordsOf(decodeAny(fields[at + 1]!)) as T[]));
    }
    if (rows.length < 1000) return out;
    start = `(${rows[rows.length - 1]![0].toString()}`;
  }
}

/** How many records a stream holds. */
export async function countRecords(redis: Redis, key: string): Promise<number> {
  return (await readRecords(redis, key)).length;
}
