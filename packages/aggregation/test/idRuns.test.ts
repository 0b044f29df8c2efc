import fc from 'fast-check';
import { canonicalId, decodeIdRuns, IdRunEncoder } from '../src/idRuns';
import { TradeIds } from '../src/tradeIds';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const idValue = fc.oneof(fc.integer({ min: 0, max: 1e15 - 1 }), fc.integer({ min: 0, max: 1000 }));

function decoded(tokens: readonly number[]): string[] {
  const ids: string[] = [];
  decodeIdRuns(tokens, (id) => ids.push(id));
  return ids;
}

function encoded(values: readonly number[]): number[] {
  const encoder = new IdRunEncoder();
  for (const value of values) encoder.add(value);
  return encoder.tokens();
}

describe('canonicalId', () => {
  it('reads back exactly the canonical decimals below 10^15, and nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(idValue.map(String), fc.string(), fc.stringMatching(/^0?\d{1,17}$/)), (id) => {
        const value = canonicalId(id);
        if (value >= 0) expect(String(value)).toBe(id);
        else expect(/^(0|[1-9]\d{0,14})$/.test(id)).toBe(false);
      }),
    );
  });
});

describe('id run tokens', () => {
  it('decode to the ids added, in order, whatever they are', () => {
    fc.assert(
      fc.property(fc.array(idValue, { maxLength: 300 }), (values) => {
        expect(decoded(encoded(values))).toEqual(values.map(String));
      }),
    );
  });

  it('hold consecutive ids in two tokens however many there are', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 5_000 }), (first, count) => {
        const values = Array.from({ length: count }, (_, i) => first + i);
        const tokens = encoded(values);
        expect(tokens.length).toBeLessThanOrEqual(2);
        expect(decoded(tokens)).toEqual(values.map(String));
      }),
    );
  });

  it('taken in the middle of a run, describe the ids so far and leave the encoder going', () => {
    fc.assert(
      fc.property(
        fc.array(idValue, { maxLength: 100 }),
        fc.array(idValue, { maxLength: 100 }),
        (before, after) => {
          const encoder = new IdRunEncoder();
          before.forEach((value) => encoder.add(value));
          expect(decoded(encoder.tokens())).toEqual(before.map(String));
          after.forEach((value) => encoder.add(value));
          expect(decoded(encoder.tokens())).toEqual([...before, ...after].map(String));
        },
      ),
    );
  });

  it('that are not non-negative integers are refused, naming the token', () => {
    expect(() => decoded([4, -2])).toThrow('trade id run token 1 is -2');
    expect(() => decoded([2.5])).toThrow('trade id run token 0 is 2.5');
    expect(() => decoded([3])).not.toThrow();
    expect(() => decoded([6])).toThrow('trade id run token 0 leads to id -2'); // zigzag 3 is -2
    expect(() => decoded([4 * (1e15 - 2), 5])).toThrow('trade id run token 1 leads to id 1000000000000000');
  });
});

describe('TradeIds in a snapshot', () => {
  const trade = fc.record({
    id: fc.oneof(idValue.map(String), fc.string({ minLength: 1, maxLength: 12 }), fc.constant('007')),
    ts: fc.integer({ min: T0, max: T0 + 5 * MINUTE }),
  });

  it('restore to the same ids, numeric or not, whenever the snapshots are taken', () => {
    fc.assert(
      fc.property(
        fc.array(trade, { maxLength: 200 }),
        fc.array(fc.nat(200), { maxLength: 4 }),
        (trades, cuts) => {
          const ids = new TradeIds();
          trades.forEach((t, i) => {
            if (cuts.includes(i)) ids.entries(); // earlier snapshots must not change later ones
            ids.add(t.id, t.ts);
          });
          const restored = TradeIds.from(
            JSON.parse(JSON.stringify(ids.entries())) as ReturnType<TradeIds['entries']>,
          );
          for (const t of trades) expect(restored.has(t.id, t.ts)).toBe(true);
          expect(restored.size).toBe(trades.length);
          const sorted = (entries: ReturnType<TradeIds['entries']>) =>
            entries.map(([minute, others, runs]) => [minute, [...others, ...decoded(runs)].sort()]);
          expect(sorted(restored.entries())).toEqual(sorted(ids.entries()));
        },
      ),
    );
  });

  it('restore from the plain id lists snapshots held before run tokens', () => {
    const restored = TradeIds.from([[T0, ['5', '6', 'x-1']]]);
    expect(['5', '6', 'x-1'].map((id) => restored.has(id, T0 + 1234))).toEqual([true, true, true]);
    expect(restored.has('7', T0 + 1234)).toBe(false);
  });

  it('hold an hour of consecutive venue ids in a few numbers per minute', () => {
    const ids = new TradeIds();
    for (let i = 0; i < 60 * 6000; i++) ids.add(String(4_200_000_000 + i), T0 + i * 10);
    const entries = ids.entries();
    expect(entries).toHaveLength(60);
    expect(entries.every(([, others, runs]) => others.length === 0 && runs.length <= 2)).toBe(true);
    expect(JSON.stringify(entries).length).toBeLessThan(5000);
  });
});
