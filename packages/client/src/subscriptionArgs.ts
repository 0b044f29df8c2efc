import {
  eraProblem,
  parseInstrumentId,
  parseTimeframe,
  type InstrumentRef,
  type Timeframe,
} from '@tickline/core';
import { ClientError } from './clientError';

/** `binance:BTCUSDT` or `{ venue, symbol }`, checked; a bad one is an INVALID_ARGUMENT naming it. */
export function instrumentArg(input: string | InstrumentRef): InstrumentRef {
  try {
    return parseInstrumentId(typeof input === 'string' ? input : `${input.venue}:${input.symbol}`);
  } catch (error) {
    throw invalid(`instrument ${JSON.stringify(input)}`, error);
  }
}

export function timeframeArg(input: string): Timeframe {
  try {
    return parseTimeframe(input);
  } catch (error) {
    throw invalid('timeframe', error);
  }
}

/** `from` as epoch ms: a whole number, a Date or an ISO-8601 text, from 1970 to the end of core's era. */
export function fromArg(input: number | Date | string | undefined): number | undefined {
  if (input === undefined) return undefined;
  const ms = typeof input === 'number' ? input : new Date(input).getTime();
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `from must be epoch milliseconds, a Date or an ISO-8601 time, got ${JSON.stringify(input)}`,
    );
  }
  const outside = eraProblem(ms);
  if (outside !== undefined) throw new ClientError('INVALID_ARGUMENT', `from ${outside}`);
  return ms;
}

function invalid(what: string, error: unknown): ClientError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ClientError('INVALID_ARGUMENT', `invalid ${what}: ${reason}`, { cause: error });
}
