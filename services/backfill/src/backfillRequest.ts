import { createHash } from 'node:crypto';
import {
  eraProblem,
  floorTime,
  spanProblem,
  nextBoundary,
  TimeframeSchema,
  VenueSchema,
  SymbolSchema,
  type Timeframe,
} from '@tickline/core';
import { HISTORY_PROVIDERS } from '@tickline/history';
import { z } from 'zod';

/** Why a backfill repairs bars: the feed gap it closes (from `tl:gaps`). */
export const RepairSchema = z.strictObject({
  cause: z.string(),
  /** The gap itself, [from, to) in epoch ms; the request covers the bars it touches. */
  from: z.number().int(),
  to: z.number().int(),
});
export type Repair = z.infer<typeof RepairSchema>;

/** What an operator (or the gap scheduler) asks for: the bars of one instrument and timeframe over a range. */
export const BackfillRequestSchema = z
  .strictObject({
    venue: VenueSchema,
    symbol: SymbolSchema,
    timeframe: TimeframeSchema,
    /** Inclusive, epoch ms; widened to the timeframe's grid. */
    from: z.number({ error: 'from must be epoch ms' }).int().nonnegative(),
    /** Exclusive, epoch ms; widened to the timeframe's grid. */
    to: z.number({ error: 'to must be epoch ms' }).int().positive(),
    /** Only this provider (no failover). */
    provider: z
      .enum(HISTORY_PROVIDERS, { error: `provider must be one of ${HISTORY_PROVIDERS.join(', ')}` })
      .optional(),
    /** Fetch this finer timeframe and roll it up, even when a provider serves `timeframe` itself. */
    rollupFrom: TimeframeSchema.optional(),
    repair: RepairSchema.optional(),
  })
  .refine((r) => r.to > r.from, { error: 'to must be after from', path: ['to'] })
  // Bounded before any chunk is planned: a far `to` would otherwise build a chunk list for millennia.
  .superRefine((r, context) => {
    const problem = eraProblem(r.to - 1) ?? spanProblem(r.timeframe, r.from, r.to);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, path: ['to'] });
  });
export type BackfillRequest = z.infer<typeof BackfillRequestSchema>;

/** Parses a request, naming every bad field. */
export function parseBackfillRequest(input: unknown): BackfillRequest {
  const parsed = BackfillRequestSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
  throw new Error(`invalid backfill request: ${why}`);
}

/** [from, to) widened to whole bars of `timeframe`. */
export function alignRange(timeframe: Timeframe, from: number, to: number): { from: number; to: number } {
  const start = floorTime(timeframe, from);
  const last = floorTime(timeframe, to - 1);
  return { from: start, to: nextBoundary(timeframe, last) };
}

/**
 * The request's deterministic id: the same request (same instrument, timeframe, aligned range, pin and
 * repair) always maps to the same BullMQ job, so asking twice does the work once.
 */
export function requestId(request: BackfillRequest): string {
  const { from, to } = alignRange(request.timeframe, request.from, request.to);
  const key = [
    request.venue,
    request.symbol,
    request.timeframe,
    from,
    to,
    request.provider ?? '*',
    request.rollupFrom ?? '',
    request.repair ? `repair:${request.repair.from}-${request.repair.to}` : '',
  ].join('|');
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${request.venue}.${request.symbol}.${request.timeframe}.${digest}`;
}
