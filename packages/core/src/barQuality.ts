import { z } from 'zod';
import { label, unitInterval } from './numberSchemas';

/**
 * The flag codes Tickline writes; each rule, weight and threshold is in docs/quality.md. `filled`,
 * `incomplete` and `repaired` (a bar rewritten from the venue's history after a feed gap, by the
 * backfill's gap repair) describe how a bar was made; the others are data-quality findings.
 */
export const QUALITY_FLAG_CODES = [
  'gap',
  'trade_count_low',
  'trade_count_high',
  'outlier',
  'out_of_order',
  'duplicate',
  'stale',
  'ohlc',
  'source_price',
  'source_volume',
  'filled',
  'incomplete',
  'repaired',
] as const;
export type QualityFlagCode = (typeof QUALITY_FLAG_CODES)[number];

/** One reason a bar is less trustworthy, e.g. `{ code: 'gap', penalty: 0.3, detail: '12s without trades' }`. */
export const QualityFlagSchema = z.strictObject({
  /** Stable machine code (gap, outlier, duplicate, out_of_order, stale, ohlc, source_mismatch, filled, ...). */
  code: label('code'),
  /** How much this flag took off the score. */
  penalty: unitInterval('penalty'),
  detail: z.string().optional(),
});
export type QualityFlag = z.infer<typeof QualityFlagSchema>;

/** A bar's quality: 1 is clean; the flags explain every point taken off. */
export const BarQualitySchema = z.strictObject({
  score: unitInterval('score'),
  flags: z.array(QualityFlagSchema),
});
export type BarQuality = z.infer<typeof BarQualitySchema>;
