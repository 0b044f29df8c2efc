/** Every error core throws carries one of these codes, so callers can branch without parsing messages. */
export type CoreErrorCode =
  | 'INVALID_TIMEFRAME'
  | 'INVALID_TIMESTAMP'
  | 'INVALID_INSTRUMENT_ID'
  | 'INVALID_DATE'
  | 'INVALID_CLASSIFICATION_RULE'
  | 'LINE_TOO_LONG';

/** A bad argument to a core function. The message names the input and says what was expected. */
export class CoreError extends Error {
  override readonly name = 'CoreError';

  constructor(
    readonly code: CoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
