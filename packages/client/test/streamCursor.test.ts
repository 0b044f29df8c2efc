import { compareStreamIds } from '@tickline/bus';
import fc from 'fast-check';
import { idBefore, seamCursor, STREAM_START } from '../src';

describe('stream cursors', () => {
  it('idBefore(id) is below id and nothing lies between them', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.nat(1000), (ms, seq) => {
        const id = `${ms}-${seq}`;
        const before = idBefore(id);
        if (id === '0-0') return expect(before).toBe(STREAM_START);
        expect(compareStreamIds(before, id)).toBeLessThan(0);
        if (seq > 0) expect(before).toBe(`${ms}-${seq - 1}`);
        else expect(before).toBe(`${ms - 1}-18446744073709551615`);
      }),
    );
  });

  it('starts at the slowest group: its oldest pending entry, else the one after its last delivered', () => {
    expect(seamCursor([])).toBe(STREAM_START);
    const groups = [
      { name: 'sink', lastDeliveredId: '500-3', oldestPendingId: '400-2' },
      { name: 'other', lastDeliveredId: '450-0', oldestPendingId: undefined },
    ];
    expect(seamCursor(groups)).toBe('400-1');
    expect(seamCursor([groups[1]!])).toBe('450-0');
  });

  it('names a malformed id', () => {
    expect(() => idBefore('x-1')).toThrow('invalid stream id "x-1"');
  });
});
