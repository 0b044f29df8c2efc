import fc from 'fast-check';
import { SequenceTracker, checkSequence } from '../src/feed/sequenceTracker';

describe('sequence gap detection', () => {
  it('delivered ids plus reported gaps cover the id range exactly once', () => {
    // A stream of increasing ids with random skips and repeats (as during a rotation overlap).
    const steps = fc.array(fc.record({ skip: fc.nat({ max: 5 }), repeat: fc.boolean() }), {
      minLength: 1,
      maxLength: 200,
    });
    fc.assert(
      fc.property(fc.nat({ max: 1e9 }), steps, (start, plan) => {
        const tracker = new SequenceTracker();
        const covered: number[] = [];
        let id = start;
        for (const [i, { skip, repeat }] of plan.entries()) {
          id += i === 0 ? 0 : 1 + skip;
          for (const copy of repeat ? [id, id] : [id]) {
            const v = tracker.observe('BTCUSDT', copy, copy * 10);
            if (v.kind === 'gap') {
              for (let x = v.fromId; x <= v.toId; x++) covered.push(x);
              if (v.missing !== v.toId - v.fromId + 1 || v.toTs !== copy * 10) return false;
            }
            if (v.kind === 'first' || v.kind === 'next' || v.kind === 'gap') covered.push(copy);
          }
        }
        const expected = Array.from({ length: id - start + 1 }, (_, k) => start + k);
        return JSON.stringify(covered.sort((a, b) => a - b)) === JSON.stringify(expected);
      }),
    );
  });

  it('reports the exact range and the time bounds', () => {
    expect(checkSequence({ id: 10, ts: 1000 }, 14, 2000)).toEqual({
      kind: 'gap',
      fromId: 11,
      toId: 13,
      missing: 3,
      fromTs: 1000,
      toTs: 2000,
    });
    expect(checkSequence({ id: 10, ts: 1000 }, 10, 2000).kind).toBe('duplicate');
    expect(checkSequence(undefined, 10, 2000).kind).toBe('first');
  });

  it('keys are independent and forget() starts afresh', () => {
    const t = new SequenceTracker();
    t.observe('A', 1, 0);
    t.observe('B', 100, 0);
    expect(t.observe('A', 2, 0).kind).toBe('next');
    t.forget('B');
    expect(t.observe('B', 500, 0).kind).toBe('first');
  });
});
