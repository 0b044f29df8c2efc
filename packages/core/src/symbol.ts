import { z } from 'zod';
import { describeInput } from './numberSchemas';

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f\\]/;

/** Symbols name cache directories: no control character, no backslash, no `.` or `..` between slashes. */
function pathSafe(symbol: string): boolean {
  return !UNSAFE_CHARACTER.test(symbol) && !symbol.split('/').some((part) => part === '.' || part === '..');
}

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
  })
  .refine(pathSafe, {
    error: (issue) =>
      `symbol must hold no control character, no backslash and no '.' or '..' part, got ${describeInput(issue.input)}`,
  });
