import fc from 'fast-check';
import { SendQueue, type QueuedFrame } from '../src/stream/sendQueue';

type Op = { push: QueuedFrame } | { shift: true };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ push: fc.record({ text: fc.string({ maxLength: 3 }) }) }),
  fc.record({
    push: fc.record({ text: fc.string({ maxLength: 3 }), partialKey: fc.constantFrom('a', 'b', 'c') }),
  }),
  fc.constant({ shift: true as const }),
);

test('never holds more than its bound; final frames leave in order, none lost, or the push says overflow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
      const queue = new SendQueue(max);
      const finalsIn: QueuedFrame[] = [];
      const finalsOut: QueuedFrame[] = [];
      for (const step of ops) {
        if ('shift' in step) {
          const frame = queue.shift();
          if (frame && frame.partialKey === undefined) finalsOut.push(frame);
        } else {
          const result = queue.push(step.push);
          if (step.push.partialKey === undefined) {
            expect(['queued', 'overflow']).toContain(result);
            if (result === 'queued') finalsIn.push(step.push);
          } else expect(['queued', 'replaced', 'dropped']).toContain(result);
        }
        expect(queue.length).toBeLessThanOrEqual(max);
      }
      for (let frame = queue.shift(); frame; frame = queue.shift()) {
        if (frame.partialKey === undefined) finalsOut.push(frame);
      }
      expect(finalsOut).toEqual(finalsIn);
    }),
  );
});

test('a newer partial of a key replaces the queued one in its place; a full queue drops new partials', () => {
  const queue = new SendQueue(3);
  expect(queue.push({ text: 'p1', partialKey: 'k' })).toBe('queued');
  expect(queue.push({ text: 'f1' })).toBe('queued');
  expect(queue.push({ text: 'p2', partialKey: 'k' })).toBe('replaced');
  expect(queue.push({ text: 'q1', partialKey: 'other' })).toBe('queued');
  expect(queue.push({ text: 'q2', partialKey: 'third' })).toBe('dropped');
  expect(queue.push({ text: 'f2' })).toBe('overflow');
  expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()].map((f) => f?.text)).toEqual([
    'p2',
    'f1',
    'q1',
    undefined,
  ]);
  expect(queue.push({ text: 'p3', partialKey: 'k' })).toBe('queued');
});

test('keeps finals in order across compactions of a queue that never empties', () => {
  const queue = new SendQueue(10);
  const out: QueuedFrame['text'][] = [];
  for (let i = 0; i < 5000; i++) {
    expect(queue.push({ text: String(i) })).toBe('queued');
    queue.push({ text: `p${i}`, partialKey: `k${i % 3}` });
    while (queue.length > 5) {
      const frame = queue.shift()!;
      if (frame.partialKey === undefined) out.push(frame.text);
    }
  }
  for (let frame = queue.shift(); frame; frame = queue.shift())
    if (frame.partialKey === undefined) out.push(frame.text);
  expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => String(i)));
});
