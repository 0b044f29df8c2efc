import { compareStreamIds } from '@tickline/bus';
import fc from 'fast-check';
import { idBefore, seamPosition, STREAM_START, unreadRemoved } from '../src';

describe('stream positions', () => {
  it('idBefore(id) is below id and nothing lies between them', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.nat(1000), (ms, seq) => {
        const id = `${ms}-${seq}`;
        const before = idBefore(id);
        if (id === '0-0') return expect(before).toBe(STREAM_START);
        expect(compareStreamIds(before, id)).toBeLessThan(0);
        if (seq > 0) expect(before).toBe(`${ms}-${seq - 1}`);
        else expect(before).toBe(`${ms - 1}-${Number.MAX_SAFE_INTEGER}`);
      }),
    );
  });

  it('counts a seam position as the entries removed plus those held below its start', () => {
    expect(seamPosition({ start: '500-2', entriesAdded: 40, length: 25, below: 3 })).toEqual({
      cursor: '500-1',
      read: 18,
    });
    expect(seamPosition({ start: undefined, entriesAdded: 40, length: 25, below: 0 })).toEqual({
      cursor: STREAM_START,
      read: 15,
    });
  });

  // A stream of `added` entries trimmed from the head to `length`; a reader that read `read` of them.
  it('sees a gap exactly when trimming removed an entry the reader had not read', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), (a, b, c) => {
        const [added, length, read] = [Math.max(a, b, c), Math.min(a, b), Math.min(c, Math.max(a, b))];
        const removed = added - length;
        const lost = unreadRemoved({ cursor: '1-0', read }, added, length);
        expect(lost > 0).toBe(removed > read);
        expect(lost).toBe(Math.max(0, removed - read));
      }),
    );
  });

  it('names a malformed id', () => {
    expect(() => idBefore('x-1')).toThrow('invalid stream id "x-1"');
  });
});
