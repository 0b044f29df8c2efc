import { createScrubber, REDACTED, SECRET_PARAMS } from '@tickline/config';

// The logs' scrubber (packages/config redact.ts), so what an error shows is scrubbed exactly as a log
// line is: credential parameters (`apikey=`, `signature=`, `crumb=`, ...) whatever their value, URL
// passwords, and the given secrets.
export { REDACTED };

/**
 * `url` safe to show in a log line or an error: credential query parameters and URL passwords
 * replaced, plus every value in `secrets` wherever it appears (raw or URL-encoded).
 */
export function redactUrl(url: string, secrets: Iterable<string> = []): string {
  return createScrubber(secrets)(url);
}

/** `text` (an upstream body, a cause's message) scrubbed as {@link redactUrl} scrubs a URL. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  return createScrubber(secrets)(text);
}

const PARAM_NAMES: ReadonlySet<string> = new Set(SECRET_PARAMS);

/** The values of `url`'s credential parameters (`apikey=...`): what a reply echoing it must not show bare either. */
export function secretParamValues(url: string): string[] {
  try {
    return [...new URL(url).searchParams]
      .filter(([name, value]) => PARAM_NAMES.has(name.toLowerCase()) && value !== '')
      .map(([, value]) => value);
  } catch {
    return [];
  }
}
