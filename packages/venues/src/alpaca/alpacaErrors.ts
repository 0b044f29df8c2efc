// Alpaca's stream error codes (docs.alpaca.markets/docs/streaming-market-data, "Errors"; the Go
// SDK's marketdata/stream/errors.go) and what the feed does about each, on purpose.

/** How the feed reacts to an error code. */
export type AlpacaErrorPolicy =
  /** Bad keys or a plan that does not cover the feed: slow retries (`authRetryMs`), never a hot loop. */
  | 'auth'
  /** Another connection holds the slot: a longer wait (`connectionLimitRetryMs`) before retrying. */
  | 'connectionLimit'
  /** Subscriptions unchanged: report which symbols were refused, keep the connection. */
  | 'symbolLimit'
  /** The server drops us (slow client, internal error, auth timeout): reconnect with normal backoff. */
  | 'reconnect'
  /** A request of ours was refused: report it, keep the connection. */
  | 'request';

export interface AlpacaErrorInfo {
  msg: string;
  policy: AlpacaErrorPolicy;
}

/** Every documented code, with Alpaca's own text. Unknown codes are reported and treated as `reconnect`. */
export const ALPACA_ERRORS: ReadonlyMap<number, AlpacaErrorInfo> = new Map([
  [400, { msg: 'invalid syntax', policy: 'request' }],
  [401, { msg: 'not authenticated', policy: 'reconnect' }],
  [402, { msg: 'auth failed', policy: 'auth' }],
  [403, { msg: 'already authenticated', policy: 'request' }],
  [404, { msg: 'auth timeout', policy: 'reconnect' }],
  [405, { msg: 'symbol limit exceeded', policy: 'symbolLimit' }],
  [406, { msg: 'connection limit exceeded', policy: 'connectionLimit' }],
  [407, { msg: 'slow client', policy: 'reconnect' }],
  [408, { msg: 'v2 not enabled', policy: 'auth' }],
  [409, { msg: 'insufficient subscription', policy: 'auth' }],
  [410, { msg: 'invalid subscribe action for this feed', policy: 'request' }],
  [411, { msg: 'insufficient scope', policy: 'auth' }],
  [500, { msg: 'internal error', policy: 'reconnect' }],
] satisfies Array<[number, AlpacaErrorInfo]>);

export function alpacaErrorPolicy(code: number): AlpacaErrorPolicy {
  return ALPACA_ERRORS.get(code)?.policy ?? 'reconnect';
}

/** The wire form of an error: `[{"T":"error","code":402,"msg":"auth failed"}]`. */
export function alpacaErrorFrame(code: number): string {
  return JSON.stringify([{ T: 'error', code, msg: ALPACA_ERRORS.get(code)?.msg ?? 'internal error' }]);
}
