/** Every error the gateway answers with, and its HTTP status. */
export const GATEWAY_ERRORS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UPGRADE_REQUIRED: 426,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/**
 * An error with its HTTP status; `param` names the bad request parameter, when one is to blame;
 * `retryAfterSec` is sent as `Retry-After` (429).
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly status: number;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly param?: string,
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.status = GATEWAY_ERRORS[code];
  }

  /** The JSON body of the error response. */
  toJSON(): { error: { code: GatewayErrorCode; message: string; param?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.param === undefined ? {} : { param: this.param }),
      },
    };
  }
}

/** A 400 naming the parameter. */
export function badParam(param: string, message: string): GatewayError {
  return new GatewayError('BAD_REQUEST', `${param}: ${message}`, param);
}
