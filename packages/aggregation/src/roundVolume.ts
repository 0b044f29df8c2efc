// Sizes carry at most 9 decimals on every venue we read (crypto venues 8, US equity fractional shares
// 9), so an exact sum of them has at most 9 decimals too; summing in binary floating point adds noise
// in the last bits (12.432380000000013). Published volumes are therefore rounded to 9 decimals, or to
// as many as a double holds beside the integer digits (15 significant in all). The builders keep the
// raw sums: rounding happens only where a bar is made (ohlcv()), so it never compounds.
const POWERS = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const MAX_DECIMALS = 9;
const SIGNIFICANT = 15;

/** `volume` without the float noise of summing decimal sizes (see above). */
export function roundVolume(volume: number): number {
  if (volume < 1e6 && volume > 0) return Math.round(volume * 1e9) / 1e9; // the usual case, without a log
  if (!(volume > 0) || !Number.isFinite(volume)) return volume;
  const integerDigits = Math.max(1, Math.floor(Math.log10(volume)) + 1);
  const decimals = Math.min(MAX_DECIMALS, SIGNIFICANT - integerDigits);
  if (decimals <= 0) return Math.round(volume);
  const scale = POWERS[decimals]!;
  return Math.round(volume * scale) / scale;
}
