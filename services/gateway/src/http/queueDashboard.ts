import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import { authorize, requestToken, type GatewayTokens } from '../auth';
import { GatewayError } from '../gatewayError';

/** Where Bull Board is mounted: its page, its assets and its API (`/admin/queues/api/queues`). */
export const QUEUES_PATH = '/admin/queues';
/** The browser session cookie of the dashboard (never the token itself). */
export const SESSION_COOKIE = 'tickline_queues';

/**
 * The Content-Security-Policy of every dashboard response: the page may load only what the gateway serves.
 * Bull Board's page links a Google Fonts stylesheet; under this policy the browser never requests it (the
 * board falls back to local fonts), so opening the dashboard tells no third party who operates what, and
 * works the same on a machine without internet. Inline styles stay allowed: the board's markup uses them.
 */
export const QUEUES_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Whether `pathname` belongs to the queue dashboard. */
export function isQueuesPath(pathname: string): boolean {
  return pathname === QUEUES_PATH || pathname.startsWith(`${QUEUES_PATH}/`);
}

/**
 * The session value a browser gets after showing the operator token once: an HMAC of a fixed label
 * keyed by the operator token. It opens the dashboard only (the cookie's path, and no other route
 * reads it), reveals nothing of the token, and stops working when the token is changed.
 */
export function sessionValue(operatorToken: string): string {
  return createHmac('sha256', operatorToken)
    .update('tickline queue dashboard session v1')
    .digest('base64url');
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request came over TLS (directly or, per the proxy's header, to the proxy in front). */
function secure(req: IncomingMessage): boolean {
  return (
    (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https'
  );
}

/**
 * Operator scope, from (in this order) a `?token=` query parameter, `Authorization: Bearer`, or the
 * session cookie. A valid query token is swapped for the cookie and a redirect to the same address
 * without it, so the token does not stay in the address bar, the history or a Referer. Returns true
 * when the response (the redirect) is already sent. Throws 401/403 as every other operator route.
 */
export function authorizeQueues(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  tokens: GatewayTokens,
): boolean {
  const queryToken = url.searchParams.get('token');
  if (queryToken !== null) {
    authorize(queryToken, 'operator', tokens);
    url.searchParams.delete('token');
    const attributes = [
      `Path=${QUEUES_PATH}`,
      'HttpOnly',
      'SameSite=Strict',
      ...(secure(req) ? ['Secure'] : []),
    ];
    res.writeHead(303, {
      location: `${url.pathname}${url.search}`,
      'set-cookie': `${SESSION_COOKIE}=${sessionValue(queryToken)}; ${attributes.join('; ')}`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    res.end();
    return true;
  }
  const bearer = requestToken(req);
  const session = cookieOf(req, SESSION_COOKIE);
  if (bearer === undefined && session !== undefined && tokens.operator !== undefined) {
    if (sameText(session, sessionValue(tokens.operator))) return false;
    throw new GatewayError('UNAUTHORIZED', 'the dashboard session is not valid: open it with ?token= again');
  }
  authorize(bearer, 'operator', tokens);
  return false;
}

/** Bull Board over `queues`, served through Express under {@link QUEUES_PATH}. */
export function createQueueDashboard(
  queues: readonly Queue[],
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Tickline queues' } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.setHeader('content-security-policy', QUEUES_CSP);
    res.setHeader('referrer-policy', 'no-referrer');
    next();
  });
  app.use(QUEUES_PATH, serverAdapter.getRouter() as express.Router);
  return (req, res) =>
    new Promise<void>((resolve, reject) => {
      res.once('close', () => resolve());
      res.once('finish', () => resolve());
      app(req as express.Request, res as express.Response, (error?: unknown) => {
        if (error !== undefined) reject(error instanceof Error ? error : new Error('dashboard route failed'));
        else
          reject(
            new GatewayError(
              'NOT_FOUND',
              `no dashboard route ${new URL(req.url ?? '/', 'http://x').pathname}`,
            ),
          );
      });
    });
}
