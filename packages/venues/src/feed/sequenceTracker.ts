/** What one sequenced message means relative to the last one seen for its key. */
export type SequenceVerdict =
  | { kind: 'first' }
  | { kind: 'next' }
  /** At or below the last id seen: a repeat (e.g. from the overlapping connection during rotation). */
  | { kind: 'duplicate' }
  /** Ids `fromId..toId` (inclusive) never arrived; they fell between `fromTs` and `toTs`. */
  | { kind: 'gap'; fromId: number; toId: number; missing: number; fromTs: number; toTs: number };

export interface SequencePoint {
  id: number;
  ts: number;
}

/** The pure rule: compare a message's id with the last one seen. */
export function checkSequence(last: SequencePoint | undefined, id: number, ts: number): SequenceVerdict {
  if (last === undefined) return { kind: 'first' };
  if (id <= last.id) return { kind: 'duplicate' };
  if (id === last.id + 1) return { kind: 'next' };
  return {
    kind: 'gap',
    fromId: last.id + 1,
    toId: id - 1,
    missing: id - last.id - 1,
    fromTs: last.ts,
    toTs: ts,
  };
}

/**
 * Last id per key (e.g. per symbol and channel). Binance trade ids are consecutive per symbol, so a
 * jump is an exact list of missing trades; anything at or below the last id is a duplicate (the
 * venue's streams are ordered, so an older id cannot be news).
 */
export class SequenceTracker {
  private readonly last = new Map<string, SequencePoint>();

  observe(key: string, id: number, ts: number): SequenceVerdict {
    const previous = this.last.get(key);
    const verdict = checkSequence(previous, id, ts);
    if (verdict.kind !== 'duplicate') this.last.set(key, { id, ts });
    return verdict;
  }

  lastSeen(key: string): SequencePoint | undefined {
    return this.last.get(key);
  }

  /** Stop tracking a key (its instrument was dropped): a later return starts afresh, not as a gap. */
  forget(key: string): void {
    this.last.delete(key);
  }
}
