import { ProviderError } from './providerError';
import { redactSecrets, redactUrl } from './redactUrl';
import { parseRetryAfter } from './retryAfter';

/** One GET to a provider. Every field but `provider` and `url` has a default, given in brackets. */
export interface HttpRequestOptions {
  /** Named in every error, e.g. `binance`. */
  provider: string;
  url: string;
  headers?: Record<string, string>;
  /** The whole request, body included, must finish within this, ms [10000]. */
  timeoutMs?: number;
  /** Values never to show (API keys sent in headers); query-string keys are redacted anyway. */
  secrets?: readonly string[];
  /** Aborts the request (a job being cancelled). */
  signal?: AbortSignal;
  /** [globalThis.fetch] (tests inject one). */
  fetch?: typeof fetch;
  /** [Date.now] */
  now?: () => number;
}

/** A reply whose status was 2xx. */
export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
  /** The URL with credentials redacted: the only form that may be logged. */
  safeUrl: string;
  elapsedMs: number;
}

const MAX_BODY_SHOWN = 200;

/**
 * GETs `url`; resolves with the 2xx reply, or rejects with a coded {@link ProviderError} that says
 * whether a retry can help. Neither message nor cause ever contains the API key.
 */
export async function httpGet(options: HttpRequestOptions): Promise<HttpReply> {
  const now = options.now ?? Date.now;
  const secrets = options.secrets ?? [];
  const safeUrl = redactUrl(options.url, secrets);
  const timeoutMs = options.timeoutMs ?? 10000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const started = now();
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(options.url, { headers: options.headers, signal });
    text = await response.text();
  } catch (error) {
    throw transportError(options.provider, safeUrl, error, timeout.aborted, timeoutMs, secrets);
  }
  const reply = {
    status: response.status,
    headers: response.headers,
    text,
    safeUrl,
    elapsedMs: now() - started,
  };
  if (response.status >= 200 && response.status < 300) return reply;
  throw statusError(options.provider, reply, now(), secrets);
}

/** Parses a reply's body as JSON; a non-JSON body is a BAD_RESPONSE naming the URL. */
export function parseJson(provider: string, reply: HttpReply): unknown {
  try {
    return JSON.parse(reply.text) as unknown;
  } catch {
    throw new ProviderError(
      'BAD_RESPONSE',
      `${provider}: GET ${reply.safeUrl} answered ${reply.status} with a body that is not JSON: ${snippet(reply.text, [])}`,
      { provider, status: reply.status },
    );
  }
}

function transportError(
  provider: string,
  safeUrl: string,
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
  secrets: readonly string[],
): ProviderError {
  if (timedOut) {
    return new ProviderError(
      'TIMEOUT',
      `${provider}: GET ${safeUrl} got no complete reply within ${timeoutMs} ms`,
      {
        provider,
      },
    );
  }
  // The cause's message may quote the URL (undici does): keep only a redacted copy of it.
  const why = error instanceof Error ? describeCause(error) : String(error);
  return new ProviderError('NETWORK', `${provider}: GET ${safeUrl} failed: ${redactSecrets(why, secrets)}`, {
    provider,
  });
}

function describeCause(error: Error): string {
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return redactUrl(`${error.name === 'AbortError' ? 'aborted' : error.message}${cause}`);
}

function statusError(
  provider: string,
  reply: HttpReply,
  nowMs: number,
  secrets: readonly string[],
): ProviderError {
  const { status } = reply;
  const retryAfterMs =
    parseRetryAfter(reply.headers.get('retry-after'), nowMs) ?? untilReset(reply.headers, nowMs);
  const message = `${provider}: GET ${reply.safeUrl} answered ${status}: ${snippet(reply.text, secrets)}`;
  const details = { provider, status, retryAfterMs };
  if (status === 429) return new ProviderError('RATE_LIMITED', message, details);
  if (status === 418) return new ProviderError('BANNED', message, details);
  if (status === 401 || status === 403) return new ProviderError('UNAUTHORIZED', message, details);
  if (status >= 500) return new ProviderError('SERVER_ERROR', message, details);
  return new ProviderError('REQUEST_REJECTED', message, details);
}

// Alpaca sends no Retry-After with its 429, only X-RateLimit-Reset (unix seconds of the new window).
function untilReset(headers: Headers, nowMs: number): number | undefined {
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - nowMs) : undefined;
}

/** The start of an upstream body for a message: scrubbed as log lines are, then cut to MAX_BODY_SHOWN. */
function snippet(text: string, secrets: readonly string[]): string {
  const flat = redactSecrets(
    text
      .slice(0, 8 * MAX_BODY_SHOWN)
      .replace(/\s+/g, ' ')
      .trim(),
    secrets,
  );
  if (flat === '') return '(empty body)';
  return flat.length > MAX_BODY_SHOWN ? `${flat.slice(0, MAX_BODY_SHOWN)}…` : flat;
}
