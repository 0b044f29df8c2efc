/** Every venue Tickline talks to (mirrors @tickline/core's VENUES; config stays self-contained). */
export const VENUE_NAMES = ['binance', 'alpaca', 'yahoo', 'alphavantage', 'fmp'] as const;
export type VenueName = (typeof VENUE_NAMES)[number];

/**
 * A symbol in canonical form, as @tickline/core defines it: upper case, no whitespace, no ':'
 * (it separates venue from symbol). Punctuation venues use is kept: BRK.B, BTC/USD, ^GSPC, ES=F.
 */
const SYMBOL = /^[^\s:a-z]{1,40}$/;

/** Why `id` is not a valid `venue:SYMBOL` instrument id, or undefined when it is. */
export function instrumentIdProblem(id: string): string | undefined {
  const colon = id.indexOf(':');
  if (colon < 0) return 'expected "venue:SYMBOL", e.g. "binance:BTCUSDT"';
  const venue = id.slice(0, colon);
  if (!(VENUE_NAMES as readonly string[]).includes(venue)) {
    return `venue must be one of ${VENUE_NAMES.join(', ')}`;
  }
  if (!SYMBOL.test(id.slice(colon + 1)))
    return "symbol must be 1-40 upper-case characters without spaces or ':'";
  return undefined;
}
