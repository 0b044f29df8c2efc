import type { Timeframe } from './timeframe';
import { DAY_MS } from './timeUnits';

/**
 * The era a requested time must fall in: [1900-01-01, 2200-01-01) UTC. Wide enough for index history
 * that predates 1970 and any future bar; anything outside is a typo or a probe, and refused before work
 * starts (far times also break `Date#toISOString` and make range loops run for ages).
 */
export const ERA_START_MS = Date.UTC(1900, 0, 1);
export const ERA_END_MS = Date.UTC(2200, 0, 1);

const YEAR = 366 * DAY_MS;
const ERA = ERA_END_MS - ERA_START_MS;

/**
 * The longest [from, to) one bar read (`GET /v1/bars`) or backfill request (`POST /v1/backfill`) may
 * span, per timeframe: at most about 600,000 bars each, so one request's work stays bounded. A longer
 * range is asked for as consecutive requests (`to` of one is `from` of the next).
 */
export const MAX_REQUEST_SPAN_MS: Readonly<Record<Timeframe, number>> = {
  '1s': 7 * DAY_MS,
  '5s': 31 * DAY_MS,
  '15s': 31 * DAY_MS,
  '30s': 31 * DAY_MS,
  '1m': YEAR,
  '3m': YEAR,
  '5m': YEAR,
  '15m': 5 * YEAR,
  '30m': 5 * YEAR,
  '1h': 25 * YEAR,
  '2h': 25 * YEAR,
  '4h': 25 * YEAR,
  '6h': 25 * YEAR,
  '12h': 25 * YEAR,
  '1d': ERA,
  '1w': ERA,
  '1M': ERA,
};

/** Why `ms` is not a time Tickline accepts in a request, or undefined when it is. */
export function eraProblem(ms: number): string | undefined {
  if (Number.isInteger(ms) && ms >= ERA_START_MS && ms < ERA_END_MS) return undefined;
  return `must be a whole epoch ms from ${iso(ERA_START_MS)} (inclusive) to ${iso(ERA_END_MS)} (exclusive)`;
}

/** Why [from, to) is too long for one request of `timeframe` bars, or undefined when it is not. */
export function spanProblem(timeframe: Timeframe, from: number, to: number): string | undefined {
  const max = MAX_REQUEST_SPAN_MS[timeframe];
  if (to - from <= max) return undefined;
  return (
    `the range spans more than ${max / DAY_MS} days, the most one request of ${timeframe} bars may span: ` +
    `ask for consecutive ranges of at most ${max} ms each (the next from = the previous to)`
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
