import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createScrubber, secretsOf, type TicklineConfig } from '@tickline/config';
import { requestToken } from '../auth';
import { ConcurrencyLimit } from './concurrencyLimit';

/** The most characters of a provider's text (an error's message) an answer shows. */
export const MAX_UPSTREAM_TEXT = 300;

/** What guards one gateway's requests: its concurrency limit and the scrubber of what answers show. */
interface Guards {
  readonly limit: ConcurrencyLimit;
  readonly scrub: (text: string) => string;
}

// One set per gateway, keyed by the HttpDeps object the gateway built (the same for all its requests).
const guards = new WeakMap<object, Guards>();

/** The guards of the gateway whose routes' dependencies are `deps`. */
export function guardsOf(deps: { readonly config: TicklineConfig }): Guards {
  let found = guards.get(deps);
  if (found === undefined) {
    const { maxConcurrentPerToken, maxConcurrent } = deps.config.gateway;
    found = {
      limit: new ConcurrencyLimit(maxConcurrentPerToken, maxConcurrent),
      // The logs' scrubber, over the same secrets: every configured key and token, credential parameters.
      scrub: createScrubber(secretsOf(deps.config).map((s) => s.value)),
    };
    guards.set(deps, found);
  }
  return found;
}

/** Who a request counts against: its token (hashed: the limiter holds no secret), else its address. */
export function callerOf(req: IncomingMessage): string {
  const token = requestToken(req);
  if (token !== undefined && token !== '') {
    return `token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
  }
  return `address:${req.socket.remoteAddress ?? 'unknown'}`;
}

/** A provider's text as an answer may show it: scrubbed as log lines are, then cut. */
export function shownUpstream(text: string, scrub: (text: string) => string): string {
  const clean = scrub(text.slice(0, 4 * MAX_UPSTREAM_TEXT));
  return clean.length > MAX_UPSTREAM_TEXT ? `${clean.slice(0, MAX_UPSTREAM_TEXT)}…` : clean;
}

/** An AbortSignal that fires when the client goes away before the response is complete. */
export function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const abort = () => {
    if (!res.writableFinished) controller.abort(new Error('the client went away'));
  };
  // Not the request's 'close': that fires once the request has been read, the response still to come.
  res.once('close', abort);
  return controller.signal;
}
