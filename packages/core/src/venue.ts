import { z } from 'zod';
import { describeInput } from './numberSchemas';

/** Every venue Tickline talks to, for live feeds, history or fundamentals. */
export const VENUES = ['binance', 'alpaca', 'yahoo', 'alphavantage', 'fmp'] as const;

export const VenueSchema = z.enum(VENUES, {
  error: (issue) => `venue must be one of ${VENUES.join(', ')}, got ${describeInput(issue.input)}`,
});
export type Venue = z.infer<typeof VenueSchema>;
