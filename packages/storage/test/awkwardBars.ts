import type { Bar } from '@tickline/core';
import { bar, series } from './bars';

/** Numbers whose printed forms differ between notations: exponents, -0, 17 digits, tiny and huge. */
export const AWKWARD: Partial<Bar>[] = [
  { open: 1e-7, low: 1e-7, vwap: 1.5e-7 },
  { high: 1e21, close: 1.2345678901234568e20, vwap: 1e15 },
  { volume: -0, trades: 0 },
  { open: 0.1 + 0.2, vwap: 100.11999999999999, volume: 1.7000000000000002 },
  { open: 0.000001, close: 0.0000015, volume: 1e-6 },
  { quality: { score: 0, flags: [{ code: 'gap', penalty: 1, detail: 'ü "quoted", comma' }] } },
  { trades: 2 ** 53 - 1, volume: 12345678901234568 },
];

/** One bar per AWKWARD case, a minute apart, after a plain series. */
export function awkwardBars(from: number): Bar[] {
  const plain = series(50, { from });
  return [...plain, ...AWKWARD.map((o, i) => bar({ start: from + (50 + i) * 60_000, ...o }))];
}
