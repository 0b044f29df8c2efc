import fc from 'fast-check';
import {
  compareStreamIds,
  formatStreamId,
  safeMinId,
  type GroupPosition,
  type StreamId,
} from '@tickline/bus';

const id = fc.record({ ms: fc.nat({ max: 10_000 }), seq: fc.nat({ max: 50 }) });

/** A group as Redis would show it: pending ids lie at or below the last-delivered id. */
const group = fc
  .tuple(fc.string({ minLength: 1, maxLength: 5 }), id, fc.option(id, { nil: undefined }))
  .map(([name, delivered, pending]): GroupPosition => {
    const oldest = pending && compareStreamIds(pending, delivered) <= 0 ? pending : undefined;
    return {
      name,
      lastDeliveredId: formatStreamId(delivered),
      oldestPendingId: oldest && formatStreamId(oldest),
    };
  });

/** What a group still needs: its pending entries and everything after its last-delivered id. */
function stillNeeded(g: GroupPosition, entry: StreamId): boolean {
  if (g.oldestPendingId !== undefined && compareStreamIds(entry, g.oldestPendingId) >= 0) return true;
  return compareStreamIds(entry, g.lastDeliveredId) > 0;
}

describe('safeMinId', () => {
  test('no groups: no MINID (the caller trims by length)', () => {
    expect(safeMinId([])).toBeUndefined();
  });

  test('never trims an entry any group still needs, and trims up to the slowest group', () => {
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 6 }), id, (groups, entry) => {
        const minId = safeMinId(groups)!;
        const removed = compareStreamIds(entry, minId) < 0;
        if (removed) expect(groups.some((g) => stillNeeded(g, entry))).toBe(false);
        // Tight: the MINID itself is needed by some group (nothing more could safely go).
        expect(groups.some((g) => stillNeeded(g, minId))).toBe(true);
      }),
    );
  });

  test('nothing pending: keeps from just after the last-delivered id', () => {
    expect(safeMinId([{ name: 'g', lastDeliveredId: '5-3', oldestPendingId: undefined }])).toEqual({
      ms: 5,
      seq: 4,
    });
  });
});
