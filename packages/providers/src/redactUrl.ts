/** What a secret is replaced with wherever it would be shown. */
export const REDACTED = '[redacted]';

// Query parameters that carry credentials at the providers we call (Alpha Vantage and FMP `apikey`,
// Binance `signature`) or commonly elsewhere. Compared case-insensitively.
const SECRET_PARAMS = new Set([
  'apikey',
  'api_key',
  'key',
  'token',
  'access_token',
  'secret',
  'signature',
  'password',
  'crumb',
]);

/**
 * `url` safe to show in a log line or an error: credential query parameters and URL passwords
 * replaced, plus every value in `secrets` wherever it appears (raw or URL-encoded).
 */
export function redactUrl(url: string, secrets: Iterable<string> = []): string {
  let text = url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = 'redacted';
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAMS.has(name.toLowerCase())) parsed.searchParams.set(name, REDACTED);
    }
    text = parsed.toString().replace(/%5Bredacted%5D/g, REDACTED);
  } catch {
    text = url.replace(
      /([?&](?:apikey|api_key|key|token|secret|signature|password)=)[^&#\s]*/gi,
      `$1${REDACTED}`,
    );
  }
  return redactSecrets(text, secrets);
}

/** `text` with each of `secrets` (raw or URL-encoded) replaced. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const variant of new Set([secret, encodeURIComponent(secret)]))
      out = out.split(variant).join(REDACTED);
  }
  return out;
}
