/** A running norm as stored in a snapshot: the last values, oldest first. */
export interface NormState {
  values: number[];
}

/** Median and median absolute deviation of the values a norm holds. */
export interface NormStats {
  samples: number;
  median: number;
  /** Median absolute deviation from the median (unscaled). */
  mad: number;
}

/** How many recent values a norm keeps by default. */
export const NORM_WINDOW = 50;

/**
 * The robust norm of one instrument's series (e.g. trades per 1m bar): median and MAD over the last
 * `window` values. A median ignores the very anomalies it is meant to detect, where a mean or an EWMA
 * would be dragged by them. The values are also kept sorted (one binary insert and one removal per
 * value, in place in typed arrays), so the median is a look-up and the MAD one merge of the deviations
 * on either side of it.
 */
export class RunningNorm {
  /** The last `window` values in arrival order: a ring starting at `head`. */
  private readonly values: Float64Array;
  private head = 0;
  private count = 0;
  private readonly sorted: Float64Array;
  private readonly deviations: Float64Array;
  private readonly live: LiveNormStats;

  constructor(readonly window = NORM_WINDOW) {
    this.values = new Float64Array(window);
    this.sorted = new Float64Array(window);
    this.deviations = new Float64Array(window);
    this.live = new LiveNormStats(this);
  }

  add(value: number): void {
    const { sorted, values, window } = this;
    let n = this.count;
    if (n === window) {
      // Drop the oldest value: its last occurrence in the sorted run (any equal one would do).
      const oldest = values[this.head]!;
      // (A NaN ranks first, so this is -1: the last value goes, as Array#splice(-1, 1) did.)
      const found = rankIn(sorted, n, oldest) - 1;
      const at = found < 0 ? n - 1 : found;
      // Plain loops rather than copyWithin, a builtin call costing more than moving ~25 numbers.
      for (let k = at; k < n - 1; k++) sorted[k] = sorted[k + 1]!;
      n--;
      values[this.head] = value;
      this.head = this.head + 1 === window ? 0 : this.head + 1;
    } else {
      values[(this.head + n) % window] = value;
    }
    const at = rankIn(sorted, n, value);
    for (let k = n; k > at; k--) sorted[k] = sorted[k - 1]!;
    sorted[at] = value;
    this.count = n + 1;
    this.live.mad = NaN;
  }

  /** The stats as they are now, as plain data (they keep describing the norm as it was when taken). */
  stats(): NormStats {
    const median = this.median();
    return { samples: this.count, median, mad: this.mad(median) };
  }

  /**
   * The stats as they are now, computing the MAD only if it is read (the quality rules seldom need it):
   * one object per norm, valid only until the next add(). For scoring a bar at once, never to keep.
   */
  view(): NormStats {
    const live = this.live;
    live.samples = this.count;
    live.median = this.median();
    return live;
  }

  state(): NormState {
    const values: number[] = [];
    for (let k = 0; k < this.count; k++) values.push(this.values[(this.head + k) % this.window]!);
    return { values };
  }

  static from(state: NormState, window = NORM_WINDOW): RunningNorm {
    const norm = new RunningNorm(window);
    for (const value of state.values.slice(-window)) norm.add(value);
    return norm;
  }

  private median(): number {
    return medianOfSorted(this.sorted, this.count);
  }

  /** @internal The MAD about `median` (this norm's median). */
  mad(median: number): number {
    return madOf(this.sorted, this.count, median, this.deviations);
  }
}

/** RunningNorm.view(): samples and median set at once, the MAD computed when first read. */
class LiveNormStats implements NormStats {
  samples = 0;
  median = NaN;
  /** NaN until computed (a MAD is never NaN once there is a value). */
  private computed = NaN;

  constructor(private readonly norm: RunningNorm) {}

  get mad(): number {
    if (Number.isNaN(this.computed)) this.computed = this.norm.mad(this.median);
    return this.computed;
  }

  set mad(value: number) {
    this.computed = value;
  }
}

/** The median absolute deviation from `median` of the first `n` sorted values; `deviations` is scratch. */
function madOf(sorted: Float64Array, n: number, median: number, deviations: Float64Array): number {
  // Deviations below the median grow leftwards, those above grow rightwards: merge the two runs.
  let below = rankIn(sorted, n, median) - 1;
  while (below >= 0 && sorted[below] === median) below--;
  let above = below + 1;
  for (let k = 0; k < n; k++) {
    const left = below >= 0 ? median - sorted[below]! : Infinity;
    const right = above < n ? sorted[above]! - median : Infinity;
    if (left <= right) {
      deviations[k] = left;
      below--;
    } else {
      deviations[k] = right;
      above++;
    }
  }
  return medianOfSorted(deviations, n);
}

/** Index after every one of the first `n` sorted values that is <= `value`. */
function rankIn(sorted: ArrayLike<number>, n: number, value: number): number {
  let low = 0;
  let high = n;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function medianOfSorted(sorted: ArrayLike<number>, n: number): number {
  if (n === 0) return NaN;
  const middle = n >> 1;
  return n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of a list (NaN when empty); the list is not changed. */
export function medianOf(values: readonly number[]): number {
  return medianOfSorted(
    [...values].sort((a, b) => a - b),
    values.length,
  );
}
