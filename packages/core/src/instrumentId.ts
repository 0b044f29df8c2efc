import { CoreError } from './coreError';
import { SymbolSchema } from './symbol';
import { VENUES, VenueSchema, type Venue } from './venue';

/** What identifies an instrument: the venue and its symbol there. */
export interface InstrumentRef {
  venue: Venue;
  symbol: string;
}

/** `binance:BTCUSDT`: the form used in stream keys, TICKLINE_INSTRUMENTS and the CLI. */
export function instrumentId({ venue, symbol }: InstrumentRef): string {
  return `${venue}:${symbol}`;
}

/** The inverse of {@link instrumentId}; throws a CoreError naming the input when it is malformed. */
export function parseInstrumentId(id: string): InstrumentRef {
  const colon = id.indexOf(':');
  if (colon < 0) fail(id, 'expected "venue:SYMBOL", e.g. "binance:BTCUSDT"');
  const venue = VenueSchema.safeParse(id.slice(0, colon));
  if (!venue.success) fail(id, `venue must be one of ${VENUES.join(', ')}`);
  const symbol = SymbolSchema.safeParse(id.slice(colon + 1));
  if (!symbol.success) fail(id, symbol.error.issues[0]?.message ?? 'bad symbol');
  return { venue: venue.data, symbol: symbol.data };
}

function fail(id: string, why: string): never {
  throw new CoreError('INVALID_INSTRUMENT_ID', `invalid instrument id ${JSON.stringify(id)}: ${why}`);
}
