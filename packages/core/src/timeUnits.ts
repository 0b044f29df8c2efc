// Millisecond constants and the one modulo that epoch arithmetic needs.

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The largest distance from the epoch that a JS Date can represent. */
export const MAX_EPOCH_MS = 8.64e15;

/** A true modulo: `%` keeps the dividend's sign, which would floor pre-1970 times upwards. */
export function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
