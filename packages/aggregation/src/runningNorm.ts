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
 * value), so the median is a look-up and the MAD one merge of the deviations on either side of it.
 */
export class RunningNorm {
  private readonly values: number[] = [];
  private readonly sorted: number[] = [];
  private readonly deviations: number[] = [];
  private cached: NormStats | undefined;

  constructor(readonly window = NORM_WINDOW) {}

  add(value: number): void {
    this.values.push(value);
    this.sorted.splice(this.rank(value), 0, value);
    if (this.values.length > this.window) this.sorted.splice(this.rank(this.values.shift()!) - 1, 1);
    this.cached = undefined;
  }

  stats(): NormStats {
    this.cached ??= this.compute();
    return this.cached;
  }

  state(): NormState {
    return { values: [...this.values] };
  }

  static from(state: NormState, window = NORM_WINDOW): RunningNorm {
    const norm = new RunningNorm(window);
    for (const value of state.values.slice(-window)) norm.add(value);
    return norm;
  }

  // Plain data, computed at once: an object with a lazy getter for the MAD was measured slower than the
  // merge itself (about 50 steps), which is cheap.
  private compute(): NormStats {
    const sorted = this.sorted;
    const median = medianOfSorted(sorted);
    return { samples: sorted.length, median, mad: madOf(sorted, median, this.deviations) };
  }

  /** Index after every sorted value <= `value`. */
  private rank(value: number): number {
    return rankIn(this.sorted, value);
  }
}

/** The median absolute deviation from `median` of sorted values; `deviations` is scratch space. */
function madOf(sorted: readonly number[], median: number, deviations: number[]): number {
  const n = sorted.length;
  // Deviations below the median grow leftwards, those above grow rightwards: merge the two runs.
  let below = rankIn(sorted, median) - 1;
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
  deviations.length = n;
  return medianOfSorted(deviations);
}

/** Index after every sorted value <= `value`. */
function rankIn(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const middle = n >> 1;
  return n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of a list (NaN when empty); the list is not changed. */
export function medianOf(values: readonly number[]): number {
  return medianOfSorted([...values].sort((a, b) => a - b));
}
