import { nextStreamId, type StreamId } from './streamId';

/**
 * Sizes of the entries to cut from a stream buffer of `length` records: every full entry, and the partial
 * rest only when the buffer is `due` (lingered long enough, or a flush asked for it). Full entries keep the
 * per-entry cost (one XADD, one id, one encode) spread over many records.
 */
export function entrySizes(length: number, maxPerEntry: number, due: boolean): number[] {
  const sizes: number[] = [];
  let left = length;
  while (left >= maxPerEntry) {
    sizes.push(maxPerEntry);
    left -= maxPerEntry;
  }
  if (due && left > 0) sizes.push(left);
  return sizes;
}

/** Ids for `count` new entries after `last`, strictly increasing and never behind the clock's `now`. */
export function assignIds(last: StreamId, now: number, count: number): StreamId[] {
  const ids: StreamId[] = [];
  let previous = last;
  for (let i = 0; i < count; i++) {
    previous = nextStreamId(previous, now);
    ids.push(previous);
  }
  return ids;
}

/** Redis' refusal of an explicit id that is not above the stream's top. */
const NOT_ABOVE_TOP = 'equal or smaller than the target stream top item';

/**
 * What one XADD reply means for its entry. `stored`: acknowledged. `notAboveTop`: the id is at or below the
 * stream's top, which after a lost reply means an earlier send stored it (to be verified: a gap would mean
 * an entry that must get a new id). `retry`: timeout, lost connection, LOADING, OOM: send again, same id.
 */
export type XaddOutcome = 'stored' | 'notAboveTop' | 'retry';

export function classifyXadd(error: Error | null | undefined): XaddOutcome {
  if (!error) return 'stored';
  return error.message.includes(NOT_ABOVE_TOP) ? 'notAboveTop' : 'retry';
}

/**
 * Whether an entry refused as "not above the top" is stored: it is present, or it sits below the first entry
 * (trimmed since), or the stream is empty (trimmed whole). Present in neither means a gap: a later entry got
 * in while this one failed, so this id can never be stored again.
 */
export function refusedEntryIsStored(
  present: boolean,
  id: StreamId,
  firstId: StreamId | undefined,
  compare: (a: StreamId, b: StreamId) => number,
): boolean {
  return present || firstId === undefined || compare(id, firstId) < 0;
}
