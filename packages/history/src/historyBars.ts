import {
  BarSchema,
  equitySession,
  equitySessionDay,
  type AssetClass,
  type Bar,
  type Instrument,
  type Timeframe,
} from '@tickline/core';
import type { RejectedBar } from './barHistory';

/** OHLCV as a provider gives it, already in UTC epoch ms; the mapper of each provider produces these. */
export interface ProviderBar {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Unknown (Yahoo, Alpha Vantage) means 0. */
  trades?: number;
  vwap?: number;
  notional?: number;
}

export interface BarContext {
  instrument: Instrument;
  timeframe: Timeframe;
  source: string;
  from: number;
  to: number;
}

const CLEAN = { score: 1, flags: [] } as const;

// Exchange-session days (DESIGN: equity daily bars follow the New York trading day).
const SESSION_CLASSES: ReadonlySet<AssetClass> = new Set(['equity', 'etf', 'index']);

/** Whether daily bars of this class span a New York session rather than a UTC day. */
export function usesSessionDays(assetClass: AssetClass): boolean {
  return SESSION_CLASSES.has(assetClass);
}

/**
 * Provider bars → core Bars: validated by the core schema, placed on Tickline's grid (an equity day is
 * its regular New York session, labelled by the open), kept only within [from, to), oldest first.
 * A missing vwap becomes the typical price (h+l+c)/3, the usual stand-in. Invalid ones are returned
 * as rejected with the schema's reason, never dropped silently.
 */
export function toBars(
  raw: readonly ProviderBar[],
  ctx: BarContext,
): { bars: Bar[]; rejected: RejectedBar[] } {
  const bars: Bar[] = [];
  const rejected: RejectedBar[] = [];
  raw.forEach((input, index) => {
    const placed = place(input.start, ctx);
    if (typeof placed === 'string') return void rejected.push({ index, reason: placed });
    if (placed.start < ctx.from || placed.start >= ctx.to) return;
    const parsed = BarSchema.safeParse({
      venue: ctx.instrument.venue,
      symbol: ctx.instrument.symbol,
      timeframe: ctx.timeframe,
      ...placed,
      open: input.open,
      high: input.high,
      low: input.low,
      close: input.close,
      volume: input.volume,
      trades: input.trades ?? 0,
      vwap: input.vwap ?? (input.high + input.low + input.close) / 3,
      ...(input.notional === undefined ? {} : { notional: input.notional }),
      final: true,
      revision: 0,
      quality: CLEAN,
      source: ctx.source,
    });
    if (parsed.success) bars.push(parsed.data);
    else rejected.push({ index, reason: parsed.error.issues.map((issue) => issue.message).join('; ') });
  });
  bars.sort((a, b) => a.start - b.start);
  return { bars, rejected };
}

function place(start: number, ctx: BarContext): { start: number; end?: number } | string {
  if (!Number.isFinite(start)) return 'the provider sent a time that is not a valid date';
  if (ctx.timeframe !== '1d' || !usesSessionDays(ctx.instrument.assetClass)) return { start };
  const day = equitySessionDay(start);
  const session = equitySession(day);
  if (session === undefined)
    return `daily bar at ${new Date(start).toISOString()} falls on a weekend (${day})`;
  return { start: session.open, end: session.close };
}

/** A provider's decimal string as a number; NaN (rejected later by the schema) when it is not one. */
export function decimal(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}
