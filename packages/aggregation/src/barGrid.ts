import {
  equitySession,
  equitySessionDay,
  floorTime,
  isFixedTimeframe,
  MAX_EPOCH_MS,
  nextBoundary,
  timeframeMs,
  type Timeframe,
} from '@tickline/core';

/** US equity daily bars: one bar per New York trading session (see README, "Equity days"). */
export interface EquityDaySpec {
  kind: 'equity-day';
  /** 04:00–20:00 New York instead of the regular 09:30–16:00. Default false. */
  extended?: boolean;
}

/** A series of time bars: a core timeframe on the UTC grid, or the US equity trading day. */
export type TimeBarSpec = Timeframe | EquityDaySpec;

/**
 * Which interval a time belongs to: the rule that closes a bar, kept apart from the builder. Intervals
 * are [start, end) and never overlap; an equity grid has holes between sessions.
 */
export interface BarGrid {
  /** The timeframe written on the bars. */
  readonly timeframe: Timeframe;
  /** Whether bars carry `end` explicitly (when it is not the next timeframe boundary). */
  readonly explicitEnd: boolean;
  /** Start of the interval containing `ts`, or NaN when `ts` is in no interval (outside the session). */
  startOf(ts: number): number;
  /** End of the interval starting at `start`. */
  endOf(start: number): number;
  /** The first interval start at or after `t`. */
  nextStart(t: number): number;
  /** The latest interval end at or before `t`. */
  lastEndBy(t: number): number;
}

export function barGrid(spec: TimeBarSpec): BarGrid {
  return typeof spec === 'string' ? new TimeframeGrid(spec) : new EquityDayGrid(spec.extended ?? false);
}

/** A stable name for a spec, for messages and duplicate checks: '5m', 'equity-day', 'equity-day-extended'. */
export function specName(spec: TimeBarSpec): string {
  if (typeof spec === 'string') return spec;
  return spec.extended ? 'equity-day-extended' : 'equity-day';
}

class TimeframeGrid implements BarGrid {
  readonly explicitEnd = false;
  private readonly length: number;
  /** Where the grid starts: the epoch, or Monday 1970-01-05 for weeks (as floorTime). */
  private readonly anchor: number;
  /** The start startOf() found last. */
  private last = NaN;

  constructor(readonly timeframe: Timeframe) {
    this.length = isFixedTimeframe(timeframe) ? timeframeMs(timeframe) : NaN;
    // (The Monday on or after the epoch, from floorTime itself.)
    this.anchor = timeframe === '1w' ? floorTime('1w', 0) + WEEK_MS : 0;
  }

  /** floorTime(timeframe, ts), inline for fixed timeframes (it is asked per bar, and on the hot path). */
  startOf(ts: number): number {
    const length = this.length;
    // Out of range or not finite (and months): floorTime, which also throws on bad times.
    if (!(ts >= -MAX_EPOCH_MS && ts <= MAX_EPOCH_MS) || Number.isNaN(length)) {
      return floorTime(this.timeframe, ts);
    }
    // Most questions are about the interval of the previous one: answered without a division.
    const last = this.last;
    if (ts >= last && ts < last + length) return last;
    const offset = ts - this.anchor;
    const start = ts - (((offset % length) + length) % length);
    this.last = start;
    return start;
  }

  endOf(start: number): number {
    return Number.isNaN(this.length) ? nextBoundary(this.timeframe, start) : start + this.length;
  }

  nextStart(t: number): number {
    const start = this.startOf(t);
    return start === t ? t : this.endOf(start);
  }

  lastEndBy(t: number): number {
    return this.startOf(t);
  }
}

// Enough days to step over any weekend; there is no holiday calendar, so no longer stretch exists.
const MAX_DAYS_BETWEEN_SESSIONS = 4;
const WEEK_MS = 7 * 86_400_000;

class EquityDayGrid implements BarGrid {
  readonly timeframe = '1d';
  readonly explicitEnd = true;
  // Sessions come from Intl, far slower than a trade: remember the last session and the last gap seen.
  private open = NaN;
  private close = NaN;
  private gapFrom = NaN;
  private gapUntil = NaN;

  constructor(private readonly extended: boolean) {}

  startOf(ts: number): number {
    if (ts >= this.open && ts < this.close) return this.open;
    if (ts >= this.gapFrom && ts < this.gapUntil) return NaN;
    const session = this.sessionOf(equitySessionDay(ts));
    if (session !== undefined && ts >= session.open && ts < session.close) {
      this.open = session.open;
      this.close = session.close;
      return session.open;
    }
    const until = this.nextStart(ts);
    this.gapFrom = until === this.gapUntil ? Math.min(this.gapFrom, ts) : ts;
    this.gapUntil = until;
    return NaN;
  }

  endOf(start: number): number {
    const session = this.sessionOf(equitySessionDay(start));
    return session === undefined ? NaN : session.close;
  }

  nextStart(t: number): number {
    let date = equitySessionDay(t);
    for (let i = 0; i <= MAX_DAYS_BETWEEN_SESSIONS; i++, date = shiftDate(date, 1)) {
      const session = this.sessionOf(date);
      if (session !== undefined && session.open >= t) return session.open;
    }
    return NaN;
  }

  lastEndBy(t: number): number {
    let date = equitySessionDay(t);
    for (let i = 0; i <= MAX_DAYS_BETWEEN_SESSIONS; i++, date = shiftDate(date, -1)) {
      const session = this.sessionOf(date);
      if (session !== undefined && session.close <= t) return session.close;
    }
    return NaN;
  }

  private sessionOf(date: string) {
    return equitySession(date, { extended: this.extended });
  }
}

function shiftDate(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, (day ?? 1) + days)).toISOString().slice(0, 10);
}
