/** Every error the client throws or sends to a subscriber carries one of these codes. */
export type ClientErrorCode =
  /** An argument is malformed (instrument, timeframe, `from`, an option). */
  | 'INVALID_ARGUMENT'
  /** History was asked from a store that is not configured (no database URL, no cache dir). */
  | 'NO_HISTORY_SOURCE'
  /** Reading history failed (the database or the file cache); the subscription ends with it. */
  | 'HISTORY_FAILED'
  /** `bars()` or `ticks()` after `close()`. */
  | 'CLOSED'
  /** The subscription needs a stream reader beyond the client's `maxReaders`; it fails at once. */
  | 'TOO_MANY_READERS';

/** A client failure; the message names the instrument, stream or store involved. */
export class ClientError extends Error {
  override readonly name = 'ClientError';

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
