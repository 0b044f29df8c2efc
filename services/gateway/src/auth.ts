import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from './gatewayError';
import { isLoopbackRequest } from './hostPolicy';

/** `read`: bars, ticks, instruments, pipeline; `operator`: read plus backfill requests. */
export type Scope = 'read' | 'operator';

export interface GatewayTokens {
  readonly read?: string;
  readonly operator?: string;
  /** No token configured at all and a loopback listening address: reads from loopback need none (authorizeRequest). */
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

/** The bearer token of an HTTP request: `Authorization: Bearer T` only (a subprotocol means nothing to HTTP). */
export function requestToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

// The canonical base64url of a token: what Buffer.toString('base64url') writes (no padding, nothing else).
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The bearer token of a WebSocket upgrade: the Authorization header, else one `tickline.bearer.<base64url T>`
 * subprotocol in exactly that form. Anything else that names the prefix (junk after the token, padding, a
 * non-canonical or non-UTF-8 encoding, two of them) is a 401, never decoded leniently.
 */
export function upgradeToken(req: IncomingMessage): string | undefined {
  if (req.headers.authorization !== undefined) return requestToken(req);
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.toLowerCase().startsWith(TOKEN_PROTOCOL_PREFIX));
  if (offered.length === 0) return undefined;
  const malformed = () =>
    new GatewayError(
      'UNAUTHORIZED',
      `offer one subprotocol ${TOKEN_PROTOCOL_PREFIX}<base64url of the token>`,
    );
  if (offered.length > 1 || !offered[0]!.startsWith(TOKEN_PROTOCOL_PREFIX)) throw malformed();
  const encoded = offered[0]!.slice(TOKEN_PROTOCOL_PREFIX.length);
  if (!BASE64URL.test(encoded)) throw malformed();
  const token = Buffer.from(encoded, 'base64url').toString('utf8');
  if (Buffer.from(token, 'utf8').toString('base64url') !== encoded) throw malformed();
  return token;
}

/** The scope a token grants, or undefined for an unknown token. */
export function scopeOf(token: string, tokens: GatewayTokens): Scope | undefined {
  if (sameSecret(token, tokens.operator)) return 'operator';
  if (sameSecret(token, tokens.read)) return 'read';
  return undefined;
}

/**
 * Checks that `token` grants `needed`: 401 without a token or with an unknown one, 403 with a token of a
 * narrower scope. `open`: this request may read without a token (see authorizeRequest). Messages never quote
 * the token.
 */
export function authorize(
  token: string | undefined,
  needed: Scope,
  tokens: GatewayTokens,
  open = false,
): Scope {
  if (token === undefined || token === '') {
    if (needed === 'read' && open && tokens.openReads) return 'read';
    const why = tokens.openReads ? ' (reads are open only to loopback clients naming a loopback host)' : '';
    throw new GatewayError(
      'UNAUTHORIZED',
      `a bearer token of the ${needed} scope is required (Authorization: Bearer <token>)${why}`,
    );
  }
  const scope = scopeOf(token, tokens);
  if (scope === undefined) throw new GatewayError('UNAUTHORIZED', 'the bearer token is not valid');
  if (needed === 'operator' && scope !== 'operator') {
    throw new GatewayError('FORBIDDEN', 'this needs the operator scope; the token has the read scope only');
  }
  return scope;
}

/**
 * authorize for a request: with no token configured, reads are open only when the request both names a
 * loopback host and comes from a loopback address (isLoopbackRequest).
 */
export function authorizeRequest(
  req: IncomingMessage,
  needed: Scope,
  tokens: GatewayTokens,
  token: string | undefined = requestToken(req),
): Scope {
  return authorize(token, needed, tokens, isLoopbackRequest(req));
}
