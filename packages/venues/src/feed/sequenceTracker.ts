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

// Shared verdicts: this runs once per trade, and allocation shows in the ingest benchmark's GC time.
const FIRST: SequenceVerdict = Object.freeze({ kind: 'first' });
const NEXT: SequenceVerdict = Object.freeze({ kind: 'next' });
const DUPLICATE: SequenceVerdict = Object.freeze({ kind: 'duplicate' });

/** The pure rule: compare a message's id with the last one seen. */
export function checkSequence(last: SequencePoint | undefined, id: number, ts: number): SequenceVerdict {
  if (last === undefined) return FIRST;
  if (id <= last.id) return DUPLICATE;
  if (id === last.id + 1) return NEXT;
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
    if (verdict.kind === 'duplicate') return verdict;
    if (previous === undefined) this.last.set(key, { id, ts });
    else {
      previous.id = id;
      previous.ts = ts;
    }
    return verdict;
  }

  lastSeen(key: string): SequencePoint | undefined {
    const point = this.last.get(key);
    return point === undefined ? undefined : { ...point };
  }

  /** Stop tracking a key (its instrument was dropped): a later return starts afresh, not as a gap. */
  forget(key: string): void {
    this.last.delete(key);
  }
}
