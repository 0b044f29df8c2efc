import type { CountFaults } from '../mock/countFaults';
import { MALFORMED_KINDS, type MalformedKind } from './mockFrames';

export { seededRandom } from '../mock/countFaults';

/** Fault switches of the Binance mock. Mutable at run time through `mock.faults`. */
export interface MockFaults extends CountFaults {
  /** Extra malformed frames per data frame, 0..1 (seeded, so runs repeat). Real frames are kept. */
  malformedRate: number;
  /** Trade ids never sent to anyone: single ids or inclusive [from, to] ranges. */
  skipTradeIds: Array<number | [number, number]>;
  /** Also skip every n-th trade frame. */
  skipEvery?: number;
}

export function defaultFaults(): MockFaults {
  return { malformedRate: 0, skipTradeIds: [] };
}

export function isSkipped(faults: MockFaults, id: number | undefined, tradeIndex: number): boolean {
  if (
    faults.skipEvery !== undefined &&
    faults.skipEvery > 0 &&
    tradeIndex % faults.skipEvery === faults.skipEvery - 1
  ) {
    return true;
  }
  if (id === undefined) return false;
  return faults.skipTradeIds.some((s) => (typeof s === 'number' ? s === id : id >= s[0] && id <= s[1]));
}

/** How many malformed frames to add after one data frame, and of which kinds. */
export function malformedDraw(rate: number, random: () => number): MalformedKind[] {
  const kinds: MalformedKind[] = [];
  let budget = rate;
  while (budget > 0 && random() < Math.min(budget, 1)) {
    kinds.push(MALFORMED_KINDS[Math.floor(random() * MALFORMED_KINDS.length)] ?? 'truncated');
    budget -= 1;
  }
  return kinds;
}
