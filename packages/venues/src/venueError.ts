/** Every error this package throws carries one of these codes, so callers branch without parsing messages. */
export type VenueErrorCode =
  /** An options object failed validation; the message lists every problem. */
  | 'INVALID_OPTIONS'
  /** A recording file could not be read (the message names the file and line). */
  | 'BAD_RECORDING'
  /** A method was called in a state that does not allow it (e.g. start after stop). */
  | 'INVALID_STATE';

/** A precise, plain error: what was wrong and where. */
export class VenueError extends Error {
  override readonly name = 'VenueError';

  constructor(
    readonly code: VenueErrorCode,
    message: string,
  ) {
    super(message);
  }
}
