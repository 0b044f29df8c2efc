import { FundamentalsError } from './fundamentalsError';

// Providers send numbers as text (Alpha Vantage everywhere, FMP employee counts) with their own
// spellings of "absent". A malformed number is an error naming the field, never a silent NaN.
const MISSING = new Set(['None', 'none', '-', '', 'N/A', 'null']);
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A provider's numeric text as a number, or null when the provider says absent. */
export function parseNumericText(text: string, provider: string, field: string): number | null {
  const trimmed = text.trim();
  if (MISSING.has(trimmed)) return null;
  if (!NUMBER.test(trimmed)) {
    throw new FundamentalsError(
      'BAD_RESPONSE',
      `${provider}: ${field} is not a number: ${JSON.stringify(text.slice(0, 40))}`,
      provider,
    );
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new FundamentalsError(
      'BAD_RESPONSE',
      `${provider}: ${field} is out of range: ${JSON.stringify(text.slice(0, 40))}`,
      provider,
    );
  }
  return value;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` as UTC midnight epoch ms; null for absent spellings; an error for anything else. */
export function parseIsoDate(text: string, provider: string, field: string): number | null {
  if (MISSING.has(text.trim())) return null;
  const match = ISO_DATE.exec(text.trim());
  // setUTCFullYear, not Date.UTC: the latter maps years 0-99 to 1900-1999.
  const ms = match
    ? new Date(0).setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
    : NaN;
  const back = Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 10);
  if (back !== text.trim()) {
    throw new FundamentalsError(
      'BAD_RESPONSE',
      `${provider}: ${field} is not a YYYY-MM-DD date: ${JSON.stringify(text.slice(0, 40))}`,
      provider,
    );
  }
  return ms;
}

/** Epoch seconds (Yahoo dates) as a `YYYY-MM-DD` UTC date. */
export function isoDateOfSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}
