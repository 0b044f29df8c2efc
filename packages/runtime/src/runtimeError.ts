/** The ways the service runtime fails; each is tested. */
export type RuntimeErrorCode = 'INVALID_SERVICE' | 'START_FAILED' | 'STOP_FAILED' | 'SERVICE_FAILED';

/** An error of the service runtime. Its message is already scrubbed of secrets. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';

  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of anything thrown, on one line. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
