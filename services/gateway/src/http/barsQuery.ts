import {
  eraProblem,
  isTimeframe,
  spanProblem,
  SymbolSchema,
  VenueSchema,
  type Timeframe,
  type Venue,
} from '@tickline/core';
import { badParam } from '../gatewayError';

/** A checked `GET /v1/bars` query: final bars starting in [from, to). */
export interface BarsQuery {
  readonly venue: Venue;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly from: number;
  readonly to: number;
  /** `db` or `cache`; undefined: the database when configured, else the cache (as `tickline bars`). */
  readonly source: 'db' | 'cache' | undefined;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value.trim() === '') throw badParam(name, 'is required');
  return value.trim();
}

/**
 * ISO-8601 (UTC when no zone is given) or epoch milliseconds, as `tickline bars` reads them, within the
 * era (core's ERA_START_MS..ERA_END_MS); a 400 naming the parameter otherwise.
 */
export function parseTimeParam(text: string, name: string): number {
  if (text.length > 40) throw badParam(name, 'is not a time: use ISO-8601 UTC or epoch ms');
  return checkTime(/^\d+$/.test(text) ? Number(text) : parseIso(text, name), name);
}

/** An epoch ms time given as a number (a JSON body's field): a 400 naming it when outside the era. */
export function checkTime(ms: number, name: string): number {
  const problem = eraProblem(ms);
  if (problem !== undefined) throw badParam(name, problem);
  return ms;
}

function parseIso(text: string, name: string): number {
  const zoned = /T.*(Z|[+-]\d\d:?\d\d)$/i.test(text) || !text.includes('T') ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  if (Number.isNaN(ms))
    throw badParam(name, `${JSON.stringify(text)} is not a time: use ISO-8601 UTC or epoch ms`);
  return ms;
}

/** [from, to) checked: `to` after `from`, and no longer than one request of `timeframe` bars may span. */
export function checkRange(timeframe: Timeframe, from: number, to: number): void {
  if (to <= from) throw badParam('to', 'must be after from');
  const tooLong = spanProblem(timeframe, from, to);
  if (tooLong !== undefined) throw badParam('to', tooLong);
}

/** The query of `GET /v1/bars`; a 400 naming the first bad parameter. */
export function parseBarsQuery(params: URLSearchParams): BarsQuery {
  const venueText = required(params, 'venue');
  const venue = VenueSchema.safeParse(venueText);
  if (!venue.success) throw badParam('venue', `${JSON.stringify(venueText)} is not a venue`);
  const symbol = SymbolSchema.safeParse(required(params, 'symbol'));
  if (!symbol.success) throw badParam('symbol', symbol.error.issues[0]?.message ?? 'not a symbol');
  const timeframe = required(params, 'timeframe');
  if (!isTimeframe(timeframe))
    throw badParam('timeframe', `${JSON.stringify(timeframe)} is not a timeframe (e.g. 1m, 1h, 1d)`);
  const from = parseTimeParam(required(params, 'from'), 'from');
  const to = parseTimeParam(required(params, 'to'), 'to');
  checkRange(timeframe, from, to);
  const source = params.get('source') ?? undefined;
  if (source !== undefined && source !== 'db' && source !== 'cache') {
    throw badParam('source', `${JSON.stringify(source)}: expected db or cache`);
  }
  return { venue: venue.data, symbol: symbol.data, timeframe, from, to, source };
}
