import { CREDENTIAL_URL_PATHS, SECRET_PATHS } from './envBindings';
import { getPath, isTree, setPath } from './objectPath';

/** What a secret is replaced with wherever it would be shown. */
export const REDACTED = '[redacted]';

/** One secret of a config: where it lives and its value. */
export interface Secret {
  readonly path: string;
  readonly value: string;
}

// scheme://user:password@ — the password runs to the last '@' before the host.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#]*@/gi;

/**
 * Query, form and JSON parameters that carry credentials at the providers we call (Alpha Vantage and FMP
 * `apikey`, Binance `signature`, Yahoo `crumb`) or commonly elsewhere. Compared case-insensitively.
 */
export const SECRET_PARAMS = [
  'apikey',
  'api_key',
  'key',
  'token',
  'access_token',
  'secret',
  'signature',
  'password',
  'crumb',
] as const;

const NAMES = SECRET_PARAMS.join('|');
// `apikey=VALUE` (also URL-encoded `apikey%3DVALUE`), not preceded by a letter or digit (`monkey=` is not one).
const PARAM_VALUE = new RegExp(`(?<![A-Za-z0-9])(${NAMES})(=|%3D)(?!\\[redacted\\])[^&#\\s"<>]+`, 'gi');
// `"apikey": "VALUE"` in a JSON body that echoes the request.
const JSON_VALUE = new RegExp(`("(?:${NAMES})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi');

/**
 * `text` with the password of every URL it quotes replaced, and the value of every credential parameter
 * ({@link SECRET_PARAMS}: `apikey=...`, `"token": "..."`) whatever that value is.
 */
export function redactUrl(text: string): string {
  return text
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(PARAM_VALUE, `$1$2${REDACTED}`)
    .replace(JSON_VALUE, `$1${REDACTED}"`);
}

/** The password inside a URL such as `redis://user:pass@host`, decoded, if it has one. */
export function urlPassword(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const password = new URL(value).password;
    return password === '' ? undefined : safeDecode(password);
  } catch {
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:([^\s/?#]*)@/i.exec(value);
    return match?.[1] || undefined;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Every secret value in `config`: keys and passwords, including passwords inside URLs. */
export function secretsOf(config: unknown): Secret[] {
  const secrets: Secret[] = [];
  for (const path of SECRET_PATHS) {
    const value = getPath(config, path);
    if (typeof value === 'string' && value !== '') secrets.push({ path, value });
  }
  for (const path of CREDENTIAL_URL_PATHS) {
    const value = urlPassword(getPath(config, path));
    if (value !== undefined) secrets.push({ path: `${path} (password)`, value });
  }
  return secrets;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The one scrubber of everything shown (log lines, error messages, upstream text in answers): a function
 * that replaces each of `secrets` in any text — raw, URL-encoded or JSON-escaped, so it also catches them
 * inside URLs and serialized log lines — and applies {@link redactUrl} (URL passwords, credential
 * parameters whatever their value).
 */
export function createScrubber(secrets: Iterable<string>): (text: string) => string {
  const variants = new Set<string>();
  for (const value of secrets) {
    if (value === '') continue;
    for (const variant of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) {
      variants.add(variant);
    }
  }
  if (variants.size === 0) return redactUrl;
  // Longest first, so a secret that contains another is replaced whole.
  const alternatives = [...variants].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join('|'), 'g');
  return (text) => redactUrl(text.replace(pattern, REDACTED));
}

/** A plain copy of `config` safe to print: secrets replaced, URL passwords redacted. */
export function redactConfig<T>(config: T): T {
  const copy = JSON.parse(JSON.stringify(config)) as T;
  if (!isTree(copy)) return copy;
  for (const path of SECRET_PATHS) {
    if (getPath(copy, path) !== undefined) setPath(copy, path, REDACTED);
  }
  for (const path of CREDENTIAL_URL_PATHS) {
    const value = getPath(copy, path);
    if (typeof value === 'string') setPath(copy, path, redactUrl(value));
  }
  return copy;
}
