import { redactSecrets, redactUrl, secretParamValues } from '@tickline/providers';
import { FundamentalsError } from './fundamentalsError';

/** URLs in messages go through the providers' redaction (apikey, crumb and other credential parameters). */
export { redactUrl };

/** A reply of any status: sources classify statuses themselves (Alpha Vantage's errors come as 200). */
export interface HttpReply {
  status: number;
  text: string;
  headers: Headers;
}

/**
 * The one HTTP call the sources make. Kept this small so it can later be pointed at the shared
 * providers package (rate limiter, circuit breaker) without touching any source.
 */
export type HttpGet = (url: string, headers?: Record<string, string>) => Promise<HttpReply>;

/** An {@link HttpGet} over global fetch; transport failures become UNAVAILABLE with the URL redacted. */
export function fetchHttpGet(provider: string, timeoutMs = 10000): HttpGet {
  return async (url, headers) => {
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, text: await response.text(), headers: response.headers };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new FundamentalsError(
        'UNAVAILABLE',
        `${provider}: GET ${redactUrl(url)} failed: ${redactUrl(why)}`,
        provider,
      );
    }
  };
}

const MAX_BODY_SHOWN = 200;

/**
 * The start of a body, whitespace collapsed, for error messages: scrubbed as log lines are (a provider's
 * error page may echo the request URL, `apikey=` and all, or the key alone: the credential values of
 * `url`, the request's, are scrubbed wherever they appear), then cut to MAX_BODY_SHOWN characters.
 */
export function bodySnippet(text: string, url = ''): string {
  const start = text
    .slice(0, 8 * MAX_BODY_SHOWN)
    .replace(/\s+/g, ' ')
    .trim();
  const flat = redactSecrets(start, secretParamValues(url));
  if (flat === '') return '(empty body)';
  return flat.length > MAX_BODY_SHOWN ? `${flat.slice(0, MAX_BODY_SHOWN)}…` : flat;
}

/** Throws the coded error a non-2xx status means; returns for 2xx. */
export function checkStatus(provider: string, url: string, reply: HttpReply): void {
  const { status } = reply;
  if (status >= 200 && status < 300) return;
  const message = `${provider}: GET ${redactUrl(url)} answered ${status}: ${bodySnippet(reply.text, url)}`;
  if (status === 429) throw new FundamentalsError('RATE_LIMITED', message, provider);
  if (status === 401 || status === 402 || status === 403)
    throw new FundamentalsError('UNAUTHORIZED', message, provider);
  if (status === 404) throw new FundamentalsError('NOT_FOUND', message, provider);
  if (status >= 500) throw new FundamentalsError('UNAVAILABLE', message, provider);
  throw new FundamentalsError('BAD_RESPONSE', message, provider);
}

/** The body as JSON, or undefined when it is not JSON (plain-text error pages). */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses a 2xx body as JSON; anything else is BAD_RESPONSE naming the URL. */
export function parseBody(provider: string, url: string, reply: HttpReply): unknown {
  try {
    return JSON.parse(reply.text) as unknown;
  } catch {
    throw new FundamentalsError(
      'BAD_RESPONSE',
      `${provider}: GET ${redactUrl(url)} answered ${reply.status} with a body that is not JSON: ${bodySnippet(reply.text, url)}`,
      provider,
    );
  }
}

/** A source's API key, which must be set: a clear start-up error naming the variable otherwise. */
export function requireApiKey(provider: string, apiKey: string, envVar: string): string {
  if (apiKey.trim() === '')
    throw new FundamentalsError('INVALID_INPUT', `${provider}: apiKey is empty (set ${envVar})`, provider);
  return apiKey;
}

/** A configured origin without its trailing slash, or the provider's public one. */
export function originOf(baseUrl: string | undefined, fallback: string): string {
  return (baseUrl ?? fallback).replace(/\/$/, '');
}
