import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from './gatewayError';

/** `read`: bars, ticks, instruments, pipeline; `operator`: read plus backfill requests. */
export type Scope = 'read' | 'operator';

export interface GatewayTokens {
  readonly read?: string;
  readonly operator?: string;
  /** No token configured at all: reads need none (allowed only on a loopback host). */
  readonly openReads: boolean;
}

/** WebSocket subprotocol carrying the token, for browsers (they cannot set Authorization on an upgrade). */
export const TOKEN_PROTOCOL_PREFIX = 'tickline.bearer.';
/** The subprotocol the gateway answers with when the client offered it. */
export const STREAM_PROTOCOL = 'tickline.v1';

function sameSecret(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bearer token of a request: `Authorization: Bearer T`, else a `tickline.bearer.<base64url T>` subprotocol. */
export function requestToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? '';
  }
  const protocols = req.headers['sec-websocket-protocol'];
  for (const offered of (protocols ?? '').split(',')) {
    const name = offered.trim();
    if (name.startsWith(TOKEN_PROTOCOL_PREFIX)) {
      return Buffer.from(name.slice(TOKEN_PROTOCOL_PREFIX.length), 'base64url').toString();
    }
  }
  return undefined;
}

/** The scope a token grants, or undefined for an unknown token. */
export function scopeOf(token: string, tokens: GatewayTokens): Scope | undefined {
  if (sameSecret(token, tokens.operator)) return 'operator';
  if (sameSecret(token, tokens.read)) return 'read';
  return undefined;
}

/**
 * Checks that `token` grants `needed`: 401 without a token or with an unknown one, 403 with a token of a
 * narrower scope. Messages never quote the token.
 */
export function authorize(token: string | undefined, needed: Scope, tokens: GatewayTokens): Scope {
  if (token === undefined || token === '') {
    if (needed === 'read' && tokens.openReads) return 'read';
    throw new GatewayError(
      'UNAUTHORIZED',
      `a bearer token of the ${needed} scope is required (Authorization: Bearer <token>)`,
    );
  }
  const scope = scopeOf(token, tokens);
  if (scope === undefined) throw new GatewayError('UNAUTHORIZED', 'the bearer token is not valid');
  if (needed === 'operator' && scope !== 'operator') {
    throw new GatewayError('FORBIDDEN', 'this needs the operator scope; the token has the read scope only');
  }
  return scope;
}
