/** One provider's number for a field. */
export interface Observation {
  provider: string;
  value: number;
}

/** How close two providers must be to agree: relative to the central value, with an absolute floor near zero. */
export interface Tolerance {
  /** [0.05] = 5 % */
  relative: number;
  /** [1e-9] for values at or near zero. */
  absolute: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { relative: 0.05, absolute: 1e-9 };

/**
 * The lower median: a value one provider actually reported (so the result keeps a single, true
 * provenance), and robust: one wild provider cannot move it past the others. Empty input has none.
 */
export function lowerMedian(observations: readonly Observation[]): Observation | undefined {
  const sorted = [...observations].sort((a, b) => a.value - b.value || a.provider.localeCompare(b.provider));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function withinTolerance(value: number, center: number, tolerance: Tolerance): boolean {
  return Math.abs(value - center) <= Math.max(tolerance.absolute, tolerance.relative * Math.abs(center));
}

export type ConsensusOutcome =
  { agreed: true; pick: Observation } | { agreed: false; outliers: Observation[]; center: Observation };

/** Agreement means every observation lies within tolerance of the lower median. Pure. */
export function consensus(
  observations: readonly Observation[],
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): ConsensusOutcome | undefined {
  const center = lowerMedian(observations);
  if (!center) return undefined;
  const outliers = observations.filter((o) => !withinTolerance(o.value, center.value, tolerance));
  return outliers.length === 0 ? { agreed: true, pick: center } : { agreed: false, outliers, center };
}
