/** Every error this package throws carries one of these codes, so callers can branch without parsing messages. */
export type AggregationErrorCode =
  'INVALID_OPTIONS' | 'NOT_A_MULTIPLE' | 'MIXED_SERIES' | 'MISALIGNED_BAR' | 'INVALID_STATE';

/** A bad argument to the aggregation core (never bad data: bad trades are rejected as events). */
export class AggregationError extends Error {
  override readonly name = 'AggregationError';

  constructor(
    readonly code: AggregationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
