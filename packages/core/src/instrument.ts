import { z } from 'zod';
import { AssetClassSchema } from './assetClass';
import { SymbolSchema } from './symbol';
import { VenueSchema } from './venue';

export const InstrumentSchema = z.strictObject({
  venue: VenueSchema,
  symbol: SymbolSchema,
  assetClass: AssetClassSchema,
});
export type Instrument = z.infer<typeof InstrumentSchema>;
