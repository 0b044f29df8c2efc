import {
  equitySession,
  equitySessionDay,
  floorTime,
  isFixedTimeframe,
  nextBoundary,
  timeframeMs,
  type Timeframe,
} from '@tickline/core';
import type { ProviderBar } from '../historyBars';

/** One bar a mock serves: prices in whole cents (exact in any decimal rendering), volume whole. */
export type SyntheticBar = Required<Omit<ProviderBar, 'notional'>>;

export type MarketHours = '24/7' | 'us-equity';

// FNV-1a: a stable hash, so the same (symbol, start) always yields the same bar in every process.
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The deterministic bar of `symbol` starting at `start`: a test can recompute what a mock served. */
export function syntheticBar(symbol: string, timeframe: Timeframe, start: number): SyntheticBar {
  const h = hash(`${symbol}|${timeframe}|${start}`);
  const base = 10000 + (hash(symbol) % 90000); // cents: 100.00 .. 999.99
  const open = base + (h % 200);
  const close = base + ((h >>> 8) % 200);
  const high = Math.max(open, close) + ((h >>> 16) % 20);
  const low = Math.max(1, Math.min(open, close) - ((h >>> 20) % 20));
  const volume = 1 + ((h >>> 4) % 5000);
  const trades = 1 + ((h >>> 12) % 300);
  return {
    start,
    open: open / 100,
    high: high / 100,
    low: low / 100,
    close: close / 100,
    volume,
    trades,
    vwap: Math.round((open + close) / 2) / 100,
  };
}

/**
 * The bar starts a mock has in [from, to): every grid slot around the clock, or for US equities the
 * extended session (04:00–20:00 New York) on weekdays, and daily bars at each weekday's session open.
 */
export function syntheticStarts(
  timeframe: Timeframe,
  from: number,
  to: number,
  hours: MarketHours,
): number[] {
  const starts: number[] = [];
  if (hours === 'us-equity' && timeframe === '1d') return sessionOpens(from, to);
  let t = floorTime(timeframe, from);
  if (t < from) t = nextBoundary(timeframe, t);
  const step = isFixedTimeframe(timeframe) ? timeframeMs(timeframe) : undefined;
  for (; t < to; t = step === undefined ? nextBoundary(timeframe, t) : t + step) {
    if (hours === '24/7' || inExtendedSession(t)) starts.push(t);
  }
  return starts;
}

// The extended session runs 04:00–20:00 New York and New York is a whole number of hours off UTC, so
// a UTC hour is entirely in or out: ask Intl (slow) once per hour, not once per bar.
const hourInSession = new Map<number, boolean>();

function inExtendedSession(t: number): boolean {
  const hour = Math.floor(t / 3_600_000);
  let inside = hourInSession.get(hour);
  if (inside === undefined) {
    const start = hour * 3_600_000;
    const session = equitySession(equitySessionDay(start), { extended: true });
    inside = session !== undefined && start >= session.open && start < session.close;
    if (hourInSession.size > 1_000_000) hourInSession.clear();
    hourInSession.set(hour, inside);
  }
  return inside;
}

function sessionOpens(from: number, to: number): number[] {
  const opens: number[] = [];
  for (let day = Math.floor(from / 86_400_000) - 1; day * 86_400_000 < to + 86_400_000; day++) {
    const session = equitySession(new Date(day * 86_400_000).toISOString().slice(0, 10));
    if (session !== undefined && session.open >= from && session.open < to) opens.push(session.open);
  }
  return opens;
}
