import { formatStreamId, parseStreamId } from '@tickline/bus';

/** XREAD's cursor for "every entry": ids are exclusive and no entry is ever `0-0`. */
export const STREAM_START = '0-0';

/**
 * Where a reader stands in a stream: after entry `cursor`, which was the `read`-th entry ever added
 * (Redis 7 counts entries-added). Trimming removes the oldest entries first, so once more entries were
 * removed than a reader has read (entries-added - length > read), some were removed unread: a gap.
 */
export interface StreamPosition {
  readonly cursor: string;
  readonly read: number;
}

/**
 * An id below `id` with no entry between them (XREAD reads after its cursor; this makes `id` itself the first
 * one read). Before `ms-0` comes `(ms-1)-MAX_SAFE_INTEGER`: no millisecond holds that many entries, and the
 * id stays one parseStreamId and compareStreamIds accept.
 */
export function idBefore(id: string): string {
  const { ms, seq } = parseStreamId(id);
  if (seq > 0) return formatStreamId({ ms, seq: seq - 1 });
  if (ms > 0) return formatStreamId({ ms: ms - 1, seq: Number.MAX_SAFE_INTEGER });
  return STREAM_START;
}

/** What the seam script saw, atomically: the first entry to read, and the stream's counters. */
export interface SeamSnapshot {
  /** The slowest group's first unacknowledged entry (inclusive); undefined without groups or asked not to. */
  readonly start: string | undefined;
  readonly entriesAdded: number;
  readonly length: number;
  /** Entries still in the stream below `start`. */
  readonly below: number;
}

/**
 * The position just before `start`: the entries ever removed plus those still held below it were all added
 * before it. Without a start, the position before the first entry still held.
 */
export function seamPosition(snapshot: SeamSnapshot): StreamPosition {
  const removed = snapshot.entriesAdded - snapshot.length;
  if (snapshot.start === undefined) return { cursor: STREAM_START, read: removed };
  return { cursor: idBefore(snapshot.start), read: removed + snapshot.below };
}

/** Entries removed unread: how far trimming went past the reader (0 when it did not). */
export function unreadRemoved(position: StreamPosition, entriesAdded: number, length: number): number {
  return Math.max(0, entriesAdded - length - position.read);
}
