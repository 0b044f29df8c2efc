import type Redis from 'ioredis';
import { ENTRY_SCHEMA_VERSION, msgpackCodec, type ConsumedRecord, type ConsumerLogger } from '@tickline/bus';

/** A record of the test streams: a sequence number, optionally marked as poison for the handler. */
export interface SeqRecord {
  readonly seq: number;
  readonly poison?: boolean;
}

/** Fields of one entry in the documented format: `d` (msgpack batch), `v`, `n`. */
export function entryFields(records: readonly SeqRecord[]): (string | Buffer)[] {
  return ['d', msgpackCodec.encode(records), 'v', String(ENTRY_SCHEMA_VERSION), 'n', String(records.length)];
}

/** Publishes seq `from..to` with plain XADD, `perEntry` records per entry; returns the entry ids. */
export async function publishSeqs(
  redis: Redis,
  stream: string,
  from: number,
  to: number,
  perEntry: number,
  poison: ReadonlySet<number> = new Set(),
): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (let start = from; start <= to; start += perEntry) {
    const records: SeqRecord[] = [];
    for (let seq = start; seq <= Math.min(to, start + perEntry - 1); seq += 1) {
      records.push(poison.has(seq) ? { seq, poison: true } : { seq });
    }
    pipeline.xadd(stream, '*', ...entryFields(records));
  }
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, id]) => {
    if (error) throw error;
    return String(id);
  });
}

/** Committed state of the exactly-once tests: every seq seen, in arrival order. */
export interface SeqState {
  sum: number;
  count: number;
  seen: number[];
}

export const emptySeqState = (): SeqState => ({ sum: 0, count: 0, seen: [] });

export function addSeqs(state: SeqState, records: readonly ConsumedRecord[]): SeqState {
  for (const { record } of records) {
    const { seq } = record as SeqRecord;
    state.sum += seq;
    state.count += 1;
    state.seen.push(seq);
  }
  return state;
}

/** Expects `state` to hold 1..n exactly once each. */
export function expectExactlyOnce(state: SeqState, n: number): void {
  const sorted = [...state.seen].sort((a, b) => a - b);
  expect(sorted).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(state.count).toBe(n);
  expect(state.sum).toBe((n * (n + 1)) / 2);
}

/** A logger that keeps its lines, so tests can look at what the consumer reported. */
export function recordingLogger(): ConsumerLogger & {
  lines: { level: string; message: string; details?: unknown }[];
} {
  const lines: { level: string; message: string; details?: unknown }[] = [];
  const at = (level: string) => (message: string, details?: Record<string, unknown>) => {
    lines.push({ level, message, details });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
