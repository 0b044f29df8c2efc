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
 * would be dragged by them. Values are pushed once per final bar, so sorting 50 numbers then is cheap.
 */
export class RunningNorm {
  private values: number[] = [];

  constructor(readonly window = NORM_WINDOW) {}

  add(value: number): void {
    this.values.push(value);
    if (this.values.length > this.window) this.values.shift();
  }

  stats(): NormStats {
    const median = medianOf(this.values);
    const mad = medianOf(this.values.map((value) => Math.abs(value - median)));
    return { samples: this.values.length, median, mad };
  }

  state(): NormState {
    return { values: [...this.values] };
  }

  static from(state: NormState, window = NORM_WINDOW): RunningNorm {
    const norm = new RunningNorm(window);
    norm.values = state.values.slice(-window);
    return norm;
  }
}

/** The median of a list (NaN when empty); the list is not changed. */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
