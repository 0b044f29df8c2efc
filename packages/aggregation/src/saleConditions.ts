// Which US consolidated-tape trades update a bar's high/low, its open/close (the "last"), and its volume.
// The table and its sources are in docs/equity-conditions.md; keep them in step.

/** Bit flags: what a trade may update. */
export const UPDATES_EXTREMES = 1;
export const UPDATES_LAST = 2;
export const UPDATES_VOLUME = 4;
export const UPDATES_ALL = UPDATES_EXTREMES | UPDATES_LAST | UPDATES_VOLUME;

const HL_VOLUME = UPDATES_EXTREMES | UPDATES_VOLUME;

/** Consolidated processing per sale condition; a code not listed counts as a regular sale. */
const CONSOLIDATED: Readonly<Record<string, number>> = {
  // Regular and regular-like: everything.
  '@': UPDATES_ALL,
  ' ': UPDATES_ALL,
  A: UPDATES_ALL, // acquisition
  D: UPDATES_ALL, // distribution
  E: UPDATES_ALL, // automatic execution (CTA)
  F: UPDATES_ALL, // intermarket sweep
  K: UPDATES_ALL, // rule 127 / 155
  L: UPDATES_ALL, // sold last
  O: UPDATES_ALL, // opening prints
  S: UPDATES_ALL, // split trade
  X: UPDATES_ALL, // cross trade
  Y: UPDATES_ALL, // yellow flag regular trade
  '1': UPDATES_ALL, // stopped stock, regular
  '5': UPDATES_ALL, // re-opening prints
  '6': UPDATES_ALL, // closing prints
  '8': UPDATES_ALL, // placeholder for 611 exempt
  // Priced away from the current market, or reported late: extremes and volume, never the last sale.
  G: HL_VOLUME, // bunched sold trade
  P: HL_VOLUME, // prior reference price
  Z: HL_VOLUME, // sold (out of sequence)
  '4': HL_VOLUME, // derivatively priced
  // Volume only.
  C: UPDATES_VOLUME, // cash sale
  H: UPDATES_VOLUME, // price variation trade
  I: UPDATES_VOLUME, // odd lot
  N: UPDATES_VOLUME, // next day
  R: UPDATES_VOLUME, // seller
  T: UPDATES_VOLUME, // form T: extended hours
  U: UPDATES_VOLUME, // extended hours, sold out of sequence
  V: UPDATES_VOLUME, // contingent trade
  W: UPDATES_VOLUME, // average price trade (UTP)
  '7': UPDATES_VOLUME, // qualified contingent trade
  // Summary prints of a market centre or the SIP, not trades: nothing.
  M: 0, // market center official close
  Q: 0, // market center official open
  '9': 0, // corrected consolidated close
};

/**
 * What a trade with these sale conditions may update (UPDATES_* bits): the most restrictive of its
 * conditions wins (bitwise and). 'B' is "bunched" (regular) on the UTP tape C but "average price"
 * (volume only) on the CTA tapes A and B. No conditions: a regular sale.
 */
export function saleConditionUpdates(conditions: readonly string[] | undefined, tape?: string): number {
  if (conditions === undefined) return UPDATES_ALL;
  let updates = UPDATES_ALL;
  for (const code of conditions) {
    if (code === 'B') updates &= tape === 'C' ? UPDATES_ALL : UPDATES_VOLUME;
    else updates &= CONSOLIDATED[code] ?? UPDATES_ALL;
  }
  return updates;
}
