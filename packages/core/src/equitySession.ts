import { CoreError } from './coreError';
import { wallTime, zonedWallTimeToUtc } from './zonedTime';

/** US equities trade on New York time; DST moves the open between 13:30Z and 14:30Z. */
export const EQUITY_TIME_ZONE = 'America/New_York';

export interface EquitySessionOptions {
  /** Pre-market and after-hours, 04:00–20:00 New York, instead of the regular 09:30–16:00. Default false. */
  extended?: boolean;
}

/** One trading day's session as UTC epoch ms, covering [open, close). */
export interface EquitySession {
  /** The New York calendar date, YYYY-MM-DD. */
  date: string;
  open: number;
  close: number;
}

const REGULAR = { open: [9, 30], close: [16, 0] } as const;
const EXTENDED = { open: [4, 0], close: [20, 0] } as const;

/** The New York calendar date (YYYY-MM-DD) at the instant `ts`: the trading day a trade belongs to. */
export function equitySessionDay(ts: number): string {
  const { year, month, day } = wallTime(EQUITY_TIME_ZONE, ts);
  return `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
}

/**
 * The session of the New York date `date` (YYYY-MM-DD), or undefined on a weekend. Holidays are not
 * known here: a holiday simply yields a session with no trades.
 */
export function equitySession(date: string, options: EquitySessionOptions = {}): EquitySession | undefined {
  const { year, month, day } = parseDate(date);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (weekday === 0 || weekday === 6) return undefined;
  const hours = options.extended ? EXTENDED : REGULAR;
  const at = ([hour, minute]: readonly [number, number]) =>
    zonedWallTimeToUtc(EQUITY_TIME_ZONE, { year, month, day, hour, minute, second: 0 });
  return { date, open: at(hours.open), close: at(hours.close) };
}

/** Whether `ts` falls inside the (regular or extended) session of its own New York day. */
export function isInEquitySession(ts: number, options: EquitySessionOptions = {}): boolean {
  const session = equitySession(equitySessionDay(ts), options);
  return session !== undefined && ts >= session.open && ts < session.close;
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const check = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2024-02-30 over to March and maps year 0050 to 1950; a round trip catches both.
  const roundTrips =
    check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day;
  if (!match || !roundTrips) {
    throw new CoreError(
      'INVALID_DATE',
      `invalid date ${JSON.stringify(date)}: expected a real YYYY-MM-DD date`,
    );
  }
  return { year, month, day };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
