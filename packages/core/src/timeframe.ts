import { z } from 'zod';
import { CoreError } from './coreError';
import { describeInput } from './numberSchemas';
import { DAY_MS as DAY, HOUR_MS as HOUR, MINUTE_MS as MINUTE, SECOND_MS as SECOND } from './timeUnits';

/** Every timeframe Tickline builds, shortest first. Note '1m' is a minute and '1M' a calendar month. */
export const TIMEFRAMES = [
  '1s',
  '5s',
  '15s',
  '30s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '12h',
  '1d',
  '1w',
  '1M',
] as const;

const validList = TIMEFRAMES.join(', ');

export const TimeframeSchema = z.enum(TIMEFRAMES, {
  error: (issue) => `timeframe must be one of ${validList}, got ${describeInput(issue.input)}`,
});
export type Timeframe = z.infer<typeof TimeframeSchema>;

/** The timeframes whose bars all last the same number of milliseconds: all but the calendar month. */
export type FixedTimeframe = Exclude<Timeframe, '1M'>;

const FIXED_MS: Record<FixedTimeframe, number> = {
  '1s': SECOND,
  '5s': 5 * SECOND,
  '15s': 15 * SECOND,
  '30s': 30 * SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '1w': 7 * DAY,
};

/** Parses a timeframe such as '5m'; the error lists the valid ones. Case matters: '1M' is a month. */
export function parseTimeframe(input: string): Timeframe {
  const parsed = TimeframeSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new CoreError(
    'INVALID_TIMEFRAME',
    `unknown timeframe ${describeInput(input)}: expected one of ${validList}`,
  );
}

export function isTimeframe(input: unknown): input is Timeframe {
  return TimeframeSchema.safeParse(input).success;
}

export function isFixedTimeframe(tf: Timeframe): tf is FixedTimeframe {
  return tf !== '1M';
}

/** The length of every bar of a fixed timeframe. A month has no fixed length, so the type excludes it. */
export function timeframeMs(tf: FixedTimeframe): number {
  return FIXED_MS[tf];
}

/** Orders timeframes by length (negative when `a` is shorter), for sorting and picking rollup sources. */
export function compareTimeframes(a: Timeframe, b: Timeframe): number {
  return TIMEFRAMES.indexOf(a) - TIMEFRAMES.indexOf(b);
}
