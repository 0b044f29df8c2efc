import { CoreError } from './coreError';
import { timeframeMs, type Timeframe } from './timeframe';
import { DAY_MS, MAX_EPOCH_MS, mod } from './timeUnits';

// Fixed timeframes are aligned to the epoch (1970-01-01T00:00Z, a Thursday), except weeks, which
// start on Monday 00:00 UTC: the first such Monday is 1970-01-05, four days in.
const WEEK_ANCHOR_MS = 4 * DAY_MS;

/** The start of the bar of `tf` that contains `ts` (epoch ms, UTC). */
export function floorTime(tf: Timeframe, ts: number): number {
  checkTimestamp(ts);
  if (tf === '1M') {
    const date = new Date(ts);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }
  const length = timeframeMs(tf);
  const anchor = tf === '1w' ? WEEK_ANCHOR_MS : 0;
  return ts - mod(ts - anchor, length);
}

/** The start of the bar after the one containing `ts`, i.e. the exclusive end of that bar. */
export function nextBoundary(tf: Timeframe, ts: number): number {
  checkTimestamp(ts);
  if (tf === '1M') {
    const date = new Date(ts);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }
  return floorTime(tf, ts) + timeframeMs(tf);
}

function checkTimestamp(ts: number): void {
  if (!Number.isFinite(ts) || Math.abs(ts) > MAX_EPOCH_MS) {
    throw new CoreError('INVALID_TIMESTAMP', `timestamp must be finite epoch milliseconds, got ${ts}`);
  }
}
