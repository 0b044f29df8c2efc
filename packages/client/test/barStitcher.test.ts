import type { Bar } from '@tickline/core';
import { mergeByPrecedence } from '@tickline/storage';
import fc from 'fast-check';
import { BarStitcher, precedenceRank, type BarEvent } from '../src';
import { bar } from '../../storage/test/bars';

const STEP = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Publish order of one bar stream: per start, partials while open, then finals with rising revisions. */
function produce(ops: readonly { slot: number; final: boolean }[]): Bar[] {
  const revisions = new Map<number, number>();
  const out: Bar[] = [];
  ops.forEach(({ slot, final }, i) => {
    const start = T0 + slot * STEP;
    const next = revisions.get(start) ?? 0;
    if (!final && next > 0) return; // no partial once a final exists
    if (final) revisions.set(start, next + 1);
    out.push(bar({ start, final, revision: final ? next : 0, close: 100 + i, high: 1000 }));
  });
  return out;
}

/** What the store holds after the sink wrote the first `stored` records (the storage precedence rule). */
function storeAfter(records: readonly Bar[], stored: number, from: number): Bar[] {
  return [...mergeByPrecedence([], records.slice(0, stored)).values()]
    .filter((b) => b.start >= from)
    .sort((a, b) => a.start - b.start);
}

function stitch(history: readonly Bar[], live: readonly Bar[], from: number, partial: boolean): BarEvent[] {
  const stitcher = new BarStitcher({ from, partial });
  const events: BarEvent[] = [];
  const offer = (b: Bar, origin: BarEvent['origin']) => {
    const event = stitcher.offer(b, origin);
    if (event) events.push(event);
  };
  history.forEach((b) => offer(b, 'history'));
  live.forEach((b) => offer(b, 'live'));
  return events;
}

const scenario = fc
  .record({
    ops: fc.array(fc.record({ slot: fc.nat(12), final: fc.boolean() }), { maxLength: 80 }),
    fromSlot: fc.nat(4),
    partial: fc.boolean(),
    cuts: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map(({ ops, fromSlot, partial, cuts }) => {
    const records = produce(ops);
    // acked <= stored: the store may hold more than the groups acknowledged, never less.
    const [a, b] = [Math.floor(cuts[0] * (records.length + 1)), Math.floor(cuts[1] * (records.length + 1))];
    return { records, from: T0 + fromSlot * STEP, partial, acked: Math.min(a, b), stored: Math.max(a, b) };
  });

describe('BarStitcher', () => {
  it('delivers every final bar from `from` on once, the newest version last, whatever the seam', () => {
    fc.assert(
      fc.property(scenario, ({ records, from, partial, acked, stored }) => {
        const events = stitch(storeAfter(records, stored, from), records.slice(acked), from, partial);
        const finals = events.filter((e) => e.kind !== 'partial');
        const byStart = new Map<number, number[]>();
        for (const e of finals)
          byStart.set(e.bar.start, [...(byStart.get(e.bar.start) ?? []), e.bar.revision]);
        for (const [start, revisions] of byStart) {
          // strictly rising: no version twice, none going back
          revisions.forEach((r, i) => i > 0 && expect(r).toBeGreaterThan(revisions[i - 1]!));
          const newest = Math.max(
            ...records.filter((r) => r.final && r.start === start).map((r) => r.revision),
          );
          expect(revisions[revisions.length - 1]).toBe(newest);
        }
        // nothing missing: every key with a final from `from` on, and every final not yet stored, arrives
        for (const r of records) if (r.final && r.start >= from) expect(byStart.has(r.start)).toBe(true);
        records.slice(stored).forEach((r) => {
          if (r.final && r.start >= from) expect(byStart.get(r.start)).toContain(r.revision);
        });
        // `bar` first, `revision` after; nothing before `from`; partials only when asked, never after a final
        const seen = new Set<number>();
        for (const e of events) {
          expect(e.bar.start).toBeGreaterThanOrEqual(from);
          if (e.kind === 'partial') expect(partial && !seen.has(e.bar.start)).toBe(true);
          else expect(e.kind).toBe(seen.has(e.bar.start) ? 'revision' : 'bar');
          if (e.kind !== 'partial') seen.add(e.bar.start);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives exactly the produced final bars, in order, when bars are final once and in start order', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(60), fc.nat(60), fc.nat(10), (n, c1, c2, fromSlot) => {
        const records = produce(Array.from({ length: n }, (_, slot) => ({ slot, final: true })));
        const [acked, stored] = [Math.min(c1, c2, n), Math.min(Math.max(c1, c2), n)];
        const from = T0 + fromSlot * STEP;
        const events = stitch(storeAfter(records, stored, from), records.slice(acked), from, false);
        expect(events.map((e) => e.bar)).toEqual(records.filter((r) => r.start >= from));
        expect(events.every((e) => e.kind === 'bar')).toBe(true);
      }),
    );
  });

  it('orders versions by the storage precedence: revision, then final, then live over a provider', () => {
    const provider = bar({ source: 'binance-klines' });
    expect(precedenceRank(bar())).toBeGreaterThan(precedenceRank(provider));
    expect(precedenceRank(bar({ revision: 1, source: 'x' }))).toBeGreaterThan(precedenceRank(bar()));
    expect(precedenceRank(bar())).toBeGreaterThan(precedenceRank(bar({ final: false })));
    const stitcher = new BarStitcher();
    expect(stitcher.offer(provider, 'history')?.kind).toBe('bar');
    expect(stitcher.offer(bar(), 'live')?.kind).toBe('revision');
    expect(stitcher.offer(provider, 'live')).toBeUndefined();
  });

  it('remembers only the newest maxTracked keys', () => {
    const stitcher = new BarStitcher({ maxTracked: 3 });
    for (let i = 0; i < 5; i++) stitcher.offer(bar({ start: T0 + i * STEP }), 'live');
    expect(stitcher.tracked).toBe(3);
    expect(stitcher.offer(bar({ start: T0 + 4 * STEP }), 'live')).toBeUndefined();
    expect(stitcher.offer(bar({ start: T0 }), 'live')?.kind).toBe('bar'); // forgotten: the documented bound
  });
});
