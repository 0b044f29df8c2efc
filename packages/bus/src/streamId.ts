/**
 * Redis stream entry ids (`<ms>-<seq>`) as values. The publisher assigns ids itself, monotonic per
 * stream, so a retry after a lost reply is refused by Redis instead of stored twice.
 */
export interface StreamId {
  readonly ms: number;
  readonly seq: number;
}

export const ZERO_ID: StreamId = { ms: 0, seq: 0 };

export function parseStreamId(text: string): StreamId {
  const dash = text.indexOf('-');
  const ms = Number(dash < 0 ? text : text.slice(0, dash));
  const seq = dash < 0 ? 0 : Number(text.slice(dash + 1));
  if (!Number.isSafeInteger(ms) || ms < 0 || !Number.isSafeInteger(seq) || seq < 0) {
    throw new Error(`invalid stream id ${JSON.stringify(text)}`);
  }
  return { ms, seq };
}

export function formatStreamId({ ms, seq }: StreamId): string {
  return `${ms}-${seq}`;
}

export function compareStreamIds(a: StreamId | string, b: StreamId | string): number {
  const x = typeof a === 'string' ? parseStreamId(a) : a;
  const y = typeof b === 'string' ? parseStreamId(b) : b;
  return x.ms !== y.ms ? x.ms - y.ms : x.seq - y.seq;
}

/** The smallest id greater than `last` and not behind the clock: `now-0` when time moved on. */
export function nextStreamId(last: StreamId, now: number): StreamId {
  return now > last.ms ? { ms: now, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
}

/**
 * Where one record sits: its entry and its index inside that entry's batch. Checkpoints store it so
 * a consumer can resume in the middle of a batched entry.
 */
export interface RecordPosition {
  readonly entryId: string;
  readonly index: number;
}

export function compareRecordPositions(a: RecordPosition, b: RecordPosition): number {
  return compareStreamIds(a.entryId, b.entryId) || a.index - b.index;
}
