import { z } from 'zod';
import { describeInput } from './numberSchemas';

/**
 * A venue symbol in canonical form: upper case (one instrument must have one stream key, so
 * `btcusdt` and `BTCUSDT` cannot both exist), no whitespace, and no ':' since that separates venue
 * from symbol in an instrument id. Punctuation venues use is kept: BRK.B, BTC/USD, ^GSPC, ES=F.
 */
export const SymbolSchema = z
  .string({ error: (issue) => `symbol must be a string, got ${describeInput(issue.input)}` })
  .min(1, { error: 'symbol must not be empty' })
  .max(40, { error: (issue) => `symbol must be at most 40 characters, got ${describeInput(issue.input)}` })
  .regex(/^[^\s:a-z]+$/, {
    error: (issue) => `symbol must be upper case without spaces or ':', got ${describeInput(issue.input)}`,
  });
