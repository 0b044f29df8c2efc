import { z } from 'zod';
import { count, epochMs, label, unitInterval } from './numberSchemas';
import { SymbolSchema } from './symbol';
import { TimeframeSchema } from './timeframe';
import { VenueSchema } from './venue';

/** A stretch of bar starts with no bar at all: no trades, so (by design) no bar. */
export const MissingIntervalSchema = z
  .strictObject({ from: epochMs('from'), to: epochMs('to') })
  .refine((interval) => interval.to > interval.from, { error: 'to must be after from', path: ['to'] });
export type MissingInterval = z.infer<typeof MissingIntervalSchema>;

/**
 * Data quality of one instrument and timeframe over [from, to): what bars were expected, which
 * exist, which were filled at the previous close, and how the per-bar flags add up.
 */
export const QualityReportSchema = z
  .strictObject({
    venue: VenueSchema,
    symbol: SymbolSchema,
    timeframe: TimeframeSchema,
    from: epochMs('from'),
    to: epochMs('to'),
    /** Bar intervals in [from, to) (for equities, within sessions). */
    expectedBars: count('expectedBars'),
    /** Bars built from trades. */
    presentBars: count('presentBars'),
    /** Flat bars at the previous close, flagged as filled. */
    filledBars: count('filledBars'),
    missing: z.array(MissingIntervalSchema),
    /** Mean and minimum bar score; 1 when there are no bars to score. */
    meanScore: unitInterval('meanScore'),
    minScore: unitInterval('minScore'),
    /** How many bars carry each flag code. */
    flagCounts: z.record(label('flag code'), count('flag count')),
    generatedAt: epochMs('generatedAt'),
  })
  .refine((report) => report.to > report.from, { error: 'to must be after from', path: ['to'] });
export type QualityReport = z.infer<typeof QualityReportSchema>;
