import type Redis from 'ioredis';
import { decodeAny, recordsOf } from '@tickline/bus';

export interface StoredEntry {
  readonly id: string;
  readonly fields: Map<string, Buffer>;
  readonly records: unknown[];
}

/** Every entry of a stream, decoded, in id order (XRANGE in chunks). */
export async function readStream(redis: Redis, key: string): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  let from = '-';
  for (;;) {
    const chunk = await redis.xrangeBuffer(key, from, '+', 'COUNT', 500);
    for (const [idBuffer, flat] of chunk) {
      const fields = new Map<string, Buffer>();
      for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
      out.push({ id: idBuffer.toString(), fields, records: recordsOf(decodeAny(fields.get('d')!)) });
    }
    if (chunk.length < 500) return out;
    from = `(${chunk[chunk.length - 1]![0].toString()}`;
  }
}

/** Sequence numbers of `{ seq }` records in a stream, in stream order. */
export async function storedSequence(redis: Redis, key: string): Promise<number[]> {
  const entries = await readStream(redis, key);
  return entries.flatMap((e) => e.records.map((r) => (r as { seq: number }).seq));
}

/** Asserts `seqs` holds 0..n-1 exactly once each; returns how many duplicates and gaps were found. */
export function ledger(seqs: readonly number[], n: number): { duplicates: number; missing: number } {
  const seen = new Uint8Array(n);
  let duplicates = 0;
  for (const s of seqs) {
    if (seen[s]) duplicates++;
    seen[s] = 1;
  }
  return { duplicates, missing: seen.reduce((m, v) => m + (v ? 0 : 1), 0) };
}
