import { z } from 'zod';
import { describeInput, epochMs, label, positiveNumber } from './numberSchemas';
import { SymbolSchema } from './symbol';
import { VenueSchema } from './venue';

export const SIDES = ['buy', 'sell', 'unknown'] as const;

/** The aggressor's side; 'unknown' when the venue does not say (most equity feeds). */
export const SideSchema = z.enum(SIDES, {
  error: (issue) => `side must be one of ${SIDES.join(', ')}, got ${describeInput(issue.input)}`,
});
export type Side = z.infer<typeof SideSchema>;

/** One normalized trade. Strict: extra fields mean a mapper bug, not venue noise. */
export const TradeSchema = z.strictObject({
  venue: VenueSchema,
  symbol: SymbolSchema,
  /** Venue event time: bars are built on it. */
  ts: epochMs('ts'),
  /** Our receive time: latency and staleness are measured on it. */
  recvTs: epochMs('recvTs'),
  price: positiveNumber('price'),
  size: positiveNumber('size'),
  side: SideSchema,
  /** Venue trade id, as a string whatever the venue sends: duplicates are detected on it. */
  id: label('id'),
  /** Equity sale conditions (e.g. odd lot), kept so aggregation can exclude some. */
  conditions: z.array(label('conditions[]')).optional(),
  /** Equity tape (A, B, C). */
  tape: label('tape').optional(),
});
export type Trade = z.infer<typeof TradeSchema>;
