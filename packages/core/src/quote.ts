import { z } from 'zod';
import { epochMs, positiveNumber } from './numberSchemas';
import { SymbolSchema } from './symbol';
import { VenueSchema } from './venue';

/**
 * Top of book. Both sides must be present and positive: a one-sided book is not a quote we store.
 * A crossed or locked book (bid >= ask) is accepted, since real feeds show it briefly.
 */
export const QuoteSchema = z.strictObject({
  venue: VenueSchema,
  symbol: SymbolSchema,
  ts: epochMs('ts'),
  recvTs: epochMs('recvTs'),
  bidPrice: positiveNumber('bidPrice'),
  bidSize: positiveNumber('bidSize'),
  askPrice: positiveNumber('askPrice'),
  askSize: positiveNumber('askSize'),
});
export type Quote = z.infer<typeof QuoteSchema>;
