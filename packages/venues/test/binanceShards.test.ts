import fc from 'fast-check';
import { assignStreams } from '../src/binance/binanceShards';

const name = fc.integer({ min: 0, max: 60 }).map((n) => `s${n}@trade`);
const shards = fc.array(fc.uniqueArray(name, { maxLength: 8 }), { maxLength: 5 }).map((lists) => {
  const seen = new Set<string>();
  return lists.map((streams, i) => ({
    id: i + 1,
    streams: streams.filter((s) => !seen.has(s) && seen.add(s)),
  }));
});

describe('assignStreams', () => {
  it('places every wanted stream exactly once, within the limit, moving nothing that stays', () => {
    fc.assert(
      fc.property(
        shards,
        fc.uniqueArray(name, { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (current, wanted, limit) => {
          const fitting = current.map((s) => ({ ...s, streams: s.streams.slice(0, limit) }));
          const plans = assignStreams(fitting, wanted, limit);
          const placed = plans.flatMap((p) => p.streams);
          const exactlyOnce =
            placed.length === new Set(placed).size && new Set(placed).size === new Set(wanted).size;
          const withinLimit = plans.every((p) => p.streams.length > 0 && p.streams.length <= limit);
          const stayed = fitting.every((s) =>
            s.streams
              .filter((x) => wanted.includes(x))
              .every((x) => plans.find((p) => p.id === s.id)?.streams.includes(x)),
          );
          const freshShards = plans.filter((p) => p.id === undefined).length;
          const room =
            plans.filter((p) => p.id !== undefined).every((p) => p.streams.length === limit) ||
            freshShards === 0;
          return exactlyOnce && withinLimit && stayed && room && placed.every((s) => wanted.includes(s));
        },
      ),
    );
  });

  it('opens new connections only when the existing ones are full', () => {
    expect(assignStreams([{ id: 1, streams: ['a', 'b'] }], ['a', 'c', 'd', 'e'], 2)).toEqual([
      { id: 1, streams: ['a', 'c'] },
      { id: undefined, streams: ['d', 'e'] },
    ]);
    expect(
      assignStreams(
        [
          { id: 1, streams: ['a'] },
          { id: 2, streams: ['b'] },
        ],
        ['b'],
        2,
      ),
    ).toEqual([{ id: 2, streams: ['b'] }]);
  });
});
