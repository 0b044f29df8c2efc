import { canonicalId, decodeIdRuns, IdRunEncoder } from './idRuns';

// Ids are kept per minute of event time, in a queue of buckets: looking up stays within one small
// bucket, and forgetting drops whole minutes from the front, never deleting ids one by one. Adding is
// a push onto an array plus one bit for the millisecond; a bucket is indexed by a Set only when it is
// searched again and again while too large to scan, since most trades arrive in order and are never searched for
// (see TradeGate). A duplicate has its original's event time, so a trade whose millisecond bit is clear
// is new without reading any id string (on the hot path, reading ids means cache misses).
const BUCKET_MS = 60_000;
const SCAN_UP_TO = 16;
/** Searches of a larger bucket that scan it before it gets a Set. */
const SCANS_BEFORE_INDEX = 4;
const COMPACT_ABOVE = 64;
/** Bits of the millisecond filter per bucket (milliseconds of the minute modulo this). */
const TIME_BITS = 8192;

class Bucket {
  /** The ids are ids[0..count): a bucket is reused once forgotten, and keeps its array's capacity. */
  readonly ids: string[] = [];
  count = 0;
  /** Searches answered by scanning (see has()). */
  scans = 0;
  index: Set<string> | undefined;
  /** ids[0..packed) are in `runs` or `others` (see pack()). */
  private packed = 0;
  private readonly runs = new IdRunEncoder();
  private readonly others: string[] = [];
  private lastPack: PackedIds | undefined;

  constructor(readonly times: Int32Array) {}

  reset(): void {
    this.times.fill(0);
    this.count = 0;
    this.scans = 0;
    this.index = undefined;
    this.packed = 0;
    this.runs.reset();
    this.others.length = 0;
    this.lastPack = undefined;
  }

  /**
   * The ids for a snapshot. Each id is parsed once, when the first snapshot after its arrival is taken, and
   * a minute nothing was added to since the last snapshot returns the same arrays: a commit costs what
   * arrived since the previous one, not the whole revision window.
   */
  pack(): PackedIds {
    if (this.lastPack !== undefined && this.packed === this.count) return this.lastPack;
    const { ids, runs, others } = this;
    for (; this.packed < this.count; this.packed++) {
      const id = ids[this.packed]!;
      const value = canonicalId(id);
      if (value >= 0) runs.add(value);
      else others.push(id);
    }
    this.lastPack = [others.slice(), runs.tokens()];
    return this.lastPack;
  }

  includes(id: string): boolean {
    const ids = this.ids;
    for (let i = 0; i < this.count; i++) if (ids[i] === id) return true;
    return false;
  }

  list(): string[] {
    return this.ids.slice(0, this.count);
  }
}

/** A minute of ids as a snapshot holds them: the canonical integers as run tokens, the rest as strings. */
export type PackedIds = [others: string[], runs: number[]];

const EMPTY = new Bucket(new Int32Array(0));

/**
 * The venue trade ids seen, by event time. A duplicate is the same venue trade delivered again (a
 * reconnect replaying, a backfill overlapping the live feed), so it carries the same event time: an
 * id is only looked up in the minute of its trade's time.
 */
export class TradeIds {
  /** When forgetBefore() next has something to do. */
  nextForget = Infinity;
  private readonly starts: number[] = [];
  private readonly buckets: Bucket[] = [];
  private head = 0;
  private start = NaN;
  private index = -1;
  /**
   * Forgotten buckets, for reuse: allocating a filter (a typed array) and growing an id array anew
   * every minute cost more than the ids themselves.
   */
  private readonly spare: Bucket[] = [];

  has(id: string, ts: number): boolean {
    const index = this.find(ts);
    if (index < 0) return false;
    const bucket = this.buckets[index]!;
    const bit = (ts - this.start) & (TIME_BITS - 1);
    if ((bucket.times[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    // A scan reads every id string of the bucket; an index hashes them all once, and then each id
    // added after it too: worth it only for a bucket searched again and again.
    if (bucket.index === undefined && (bucket.count <= SCAN_UP_TO || bucket.scans++ < SCANS_BEFORE_INDEX)) {
      return bucket.includes(id);
    }
    bucket.index ??= new Set(bucket.list());
    return bucket.index.has(id);
  }

  add(id: string, ts: number): void {
    let index = this.find(ts);
    if (index < 0) index = this.insert(ts);
    const bucket = this.buckets[index]!;
    const bit = (ts - this.start) & (TIME_BITS - 1);
    bucket.times[bit >>> 5]! |= 1 << (bit & 31);
    bucket.ids[bucket.count++] = id;
    bucket.index?.add(id);
  }

  /**
   * has() without reading an id, for the hot path: false only when `ts` falls in the bucket last used
   * and its millisecond bit is clear (then no id at `ts` was seen); true means "ask has()".
   */
  maybeSeen(ts: number): boolean {
    const start = this.start;
    if (!(ts >= start && ts < start + BUCKET_MS)) return true;
    const bit = (ts - start) & (TIME_BITS - 1);
    return (this.buckets[this.index]!.times[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  /** add() when `ts` falls in the bucket last used (true); otherwise nothing is done (false). */
  addToCurrent(id: string, ts: number): boolean {
    const start = this.start;
    if (!(ts >= start && ts < start + BUCKET_MS)) return false;
    const bucket = this.buckets[this.index]!;
    const bit = (ts - start) & (TIME_BITS - 1);
    bucket.times[bit >>> 5]! |= 1 << (bit & 31);
    bucket.ids[bucket.count++] = id;
    bucket.index?.add(id);
    return true;
  }

  /** Forgets the ids of event times before `limit` (whole minutes; a little more may be kept). */
  forgetBefore(limit: number): void {
    const { starts, buckets } = this;
    let head = this.head;
    while (head < starts.length && starts[head]! + BUCKET_MS <= limit) {
      this.spare.push(buckets[head]!);
      buckets[head++] = EMPTY;
    }
    if (head > COMPACT_ABOVE && head * 2 > starts.length) {
      starts.splice(0, head);
      buckets.splice(0, head);
      head = 0;
    }
    this.head = head;
    this.start = NaN;
    this.nextForget = head < starts.length ? starts[head]! + BUCKET_MS : Infinity;
  }

  get size(): number {
    let size = 0;
    for (let i = this.head; i < this.buckets.length; i++) {
      size += this.buckets[i]!.count;
    }
    return size;
  }

  /** The remembered ids per minute of event time, oldest first (for a snapshot; see Bucket.pack()). */
  entries(): [minute: number, ...PackedIds][] {
    const entries: [number, ...PackedIds][] = [];
    for (let i = this.head; i < this.buckets.length; i++) {
      const bucket = this.buckets[i]!;
      if (bucket.count > 0) entries.push([this.starts[i]!, ...bucket.pack()]);
    }
    return entries;
  }

  /** From entries() (or the plain id lists of snapshots written before the run tokens existed). */
  static from(entries: readonly (readonly [number, readonly string[], (readonly number[])?])[]): TradeIds {
    const ids = new TradeIds();
    for (const [minute, list, runs] of entries) {
      for (const id of list) ids.add(id, minute);
      if (runs !== undefined) decodeIdRuns(runs, (id) => ids.add(id, minute));
    }
    // A snapshot keeps no event times: every millisecond of a restored minute may hold an id.
    for (const bucket of ids.buckets) bucket.times.fill(-1);
    return ids;
  }

  /** The index of the bucket holding `ts`, or -1. */
  private find(ts: number): number {
    if (ts >= this.start && ts < this.start + BUCKET_MS) return this.index;
    const start = ts - (((ts % BUCKET_MS) + BUCKET_MS) % BUCKET_MS);
    const index = this.search(start);
    if (this.starts[index] !== start) return -1;
    this.start = start;
    this.index = index;
    return index;
  }

  private insert(ts: number): number {
    const start = ts - (((ts % BUCKET_MS) + BUCKET_MS) % BUCKET_MS);
    const index = this.search(start);
    let bucket = this.spare.pop();
    if (bucket === undefined) bucket = new Bucket(new Int32Array(TIME_BITS / 32));
    else {
      // (fill: a plain loop over the 256 words measured several times slower.)
      bucket.reset();
    }
    // Minutes mostly come in order: append without splice (a builtin call that allocates).
    if (index === this.starts.length) {
      this.starts.push(start);
      this.buckets.push(bucket);
    } else {
      this.starts.splice(index, 0, start);
      this.buckets.splice(index, 0, bucket);
    }
    if (index === this.head) this.nextForget = start + BUCKET_MS;
    this.start = start;
    this.index = index;
    return index;
  }

  /** The first index at or after head whose start is >= `start`; the common case is the end. */
  private search(start: number): number {
    const starts = this.starts;
    let low = this.head;
    let high = starts.length;
    if (high > low && starts[high - 1]! < start) return high;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (starts[mid]! < start) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
