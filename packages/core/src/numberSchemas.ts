import { z } from 'zod';
import { MAX_EPOCH_MS } from './timeUnits';

// Field-named messages: a DLQ reason or a log line must say which field was wrong and why, even when
// the reader never sees the issue's path.

const MAX_SHOWN_CHARS = 40;

/**
 * How a rejected input is shown in a message: short, since messages end up in logs and DLQ reasons.
 * Strings are quoted (and cut), objects only named, a missing value shown as "nothing".
 */
export function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'string') {
    return JSON.stringify(input.length > MAX_SHOWN_CHARS ? `${input.slice(0, MAX_SHOWN_CHARS)}…` : input);
  }
  if (typeof input === 'number' || typeof input === 'boolean' || typeof input === 'bigint')
    return String(input);
  if (input === null) return 'null';
  return Array.isArray(input) ? 'an array' : `a value of type ${typeof input}`;
}

/** A finite number (zod 4 already rejects NaN and ±Infinity). */
export function finiteNumber(field: string) {
  return z.number({
    error: (issue) => `${field} must be a finite number, got ${describeInput(issue.input)}`,
  });
}

/** Prices and sizes: finite and strictly positive. Zero is as wrong as negative for a trade. */
export function positiveNumber(field: string) {
  return finiteNumber(field).gt(0, {
    error: (issue) => `${field} must be greater than 0, got ${describeInput(issue.input)}`,
  });
}

/** Volumes: a filled bar (no trades) has volume 0. */
export function nonNegativeNumber(field: string) {
  return finiteNumber(field).gte(0, {
    error: (issue) => `${field} must be 0 or more, got ${describeInput(issue.input)}`,
  });
}

/** Counts such as trades or revision. */
export function count(field: string) {
  return finiteNumber(field)
    .int({ error: (issue) => `${field} must be a whole number, got ${describeInput(issue.input)}` })
    .gte(0, { error: (issue) => `${field} must be 0 or more, got ${describeInput(issue.input)}` });
}

/** Scores and penalties in [0, 1]. */
export function unitInterval(field: string) {
  const outside = (issue: { input?: unknown }) =>
    `${field} must be between 0 and 1, got ${describeInput(issue.input)}`;
  return finiteNumber(field).gte(0, { error: outside }).lte(1, { error: outside });
}

/** UTC epoch milliseconds, whole, within the Date range. Negative is fine: index history predates 1970. */
export function epochMs(field: string) {
  const outside = (issue: { input?: unknown }) =>
    `${field} must be epoch milliseconds within ±${MAX_EPOCH_MS}, got ${describeInput(issue.input)}`;
  return finiteNumber(field)
    .int({ error: (issue) => `${field} must be whole epoch milliseconds, got ${describeInput(issue.input)}` })
    .gte(-MAX_EPOCH_MS, { error: outside })
    .lte(MAX_EPOCH_MS, { error: outside });
}

/** A non-empty string without surrounding whitespace. */
export function label(field: string) {
  return z
    .string({ error: (issue) => `${field} must be a string, got ${describeInput(issue.input)}` })
    .regex(/^\S(?:.*\S)?$/s, { error: `${field} must be non-empty, without leading or trailing spaces` });
}
