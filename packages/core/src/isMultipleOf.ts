import { timeframeMs, type Timeframe } from './timeframe';
import { DAY_MS } from './timeUnits';

/**
 * Whether every bar of `higher` is exactly a run of whole `lower` bars, so `higher` can be rolled up
 * from `lower`. True for equal timeframes. Divisible lengths are not always enough: a month is a
 * whole number of days but not of weeks, since months do not start on Mondays.
 */
export function isMultipleOf(higher: Timeframe, lower: Timeframe): boolean {
  if (higher === lower) return true;
  if (lower === '1M') return false;
  const lowerMs = timeframeMs(lower);
  // Months start at midnight UTC, so any grid with a boundary at every midnight fits.
  if (higher === '1M') return DAY_MS % lowerMs === 0;
  // Fixed grids start at the epoch, weeks four days later (Monday); four days is a whole number of
  // every timeframe up to a day, so for fixed timeframes divisibility is enough.
  return timeframeMs(higher) % lowerMs === 0;
}
