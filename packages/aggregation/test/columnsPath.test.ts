import fc from 'fast-check';
import { type Timeframe, type Trade } from '@tickline/core';
import { TimeBarAggregator, type AggregationEvent } from '@tickline/aggregation';
import { TradeIds } from '../src/tradeIds';
import { columnsOf, feed, steps, streamOptions, type Step } from './streams';

// pushColumns takes the common row inline (docs/aggregation.md, "The columns loop") and every other
// row through the same code as push(): both must publish exactly the same events, quality included.
const TIMEFRAMES: Timeframe[] = ['1m', '5m', '15m', '1h', '4h', '1d'];

const options = (fill: boolean) => ({ ...streamOptions(TIMEFRAMES, fill), maxFutureMs: 30_000 });

/**
 * The steps with some trades changed: from the future (event time far after receive time), a new id
 * at an earlier trade's time (not a duplicate, but its millisecond is taken).
 */
const input = fc
  .record({
    steps: steps(false),
    fill: fc.boolean(),
    future: fc.array(fc.nat(), { maxLength: 3 }),
    sameTime: fc.array(fc.nat(), { maxLength: 5 }),
    cuts: fc.array(fc.nat(), { maxLength: 8 }),
  })
  .map(({ steps, fill, future, sameTime, cuts }) => {
    const changed: Step[] = steps.map((step) => ('trade' in step ? { trade: { ...step.trade } } : step));
    const trades = changed.flatMap((step) => ('trade' in step ? [step.trade] : []));
    if (trades.length > 0) {
      for (const n of future) trades[n % trades.length]!.recvTs -= 120_000;
      for (const n of sameTime) {
        const other = trades[n % trades.length]!;
        changed.splice(n % (changed.length + 1), 0, { trade: { ...other, id: `${other.id}-same-ms` } });
      }
    }
    return { input: changed, fill, cuts: new Set(cuts.map((n) => n % (changed.length + 1))) };
  });

/** Feeds runs of trades as columns, cut at `cuts` and at every advance. */
function feedColumns(agg: TimeBarAggregator, input: Step[], cuts: Set<number>): AggregationEvent[] {
  const out: AggregationEvent[] = [];
  let run: Trade[] = [];
  const pushRun = () => {
    const columns = columnsOf(run, false);
    agg.pushColumns(columns, 0, run.length, out);
    run = [];
  };
  input.forEach((step, index) => {
    if (cuts.has(index)) pushRun();
    if ('trade' in step) run.push(step.trade);
    else {
      pushRun();
      agg.advanceTo(step.advance, out);
    }
  });
  pushRun();
  return agg.flush(out);
}

describe('the columns loop equals push (property)', () => {
  it('the same events and counts, in runs cut anywhere, with duplicates, late and future trades', () => {
    fc.assert(
      fc.property(input, ({ input, fill, cuts }) => {
        const byTrade = new TimeBarAggregator(options(fill));
        const byColumns = new TimeBarAggregator(options(fill));
        expect(feedColumns(byColumns, input, cuts)).toEqual(byTrade.flush(feed(byTrade, input)));
        expect(byColumns.stats()).toEqual(byTrade.stats());
        expect(byColumns.snapshot()).toEqual(byTrade.snapshot());
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * What TradeIds answers, naively: an id counts as seen at `ts` when it was added in the same minute and
 * some id was added at the same millisecond of that minute's filter (8192 bits), until the minute is
 * forgotten.
 */
class NaiveIds {
  private readonly minutes = new Map<number, { ids: string[]; bits: Set<number> }>();

  add(id: string, ts: number): void {
    const minute = ts - (ts % 60_000);
    let entry = this.minutes.get(minute);
    if (entry === undefined) this.minutes.set(minute, (entry = { ids: [], bits: new Set() }));
    entry.ids.push(id);
    entry.bits.add((ts - minute) % 8192);
  }

  has(id: string, ts: number): boolean {
    const minute = ts - (ts % 60_000);
    const entry = this.minutes.get(minute);
    return entry !== undefined && entry.bits.has((ts - minute) % 8192) && entry.ids.includes(id);
  }

  forgetBefore(limit: number): void {
    for (const minute of this.minutes.keys()) if (minute + 60_000 <= limit) this.minutes.delete(minute);
  }

  get size(): number {
    let size = 0;
    for (const entry of this.minutes.values()) size += entry.ids.length;
    return size;
  }
}

describe('TradeIds against a naive model (property)', () => {
  it('the same answers whether a minute is scanned or indexed, reused after forgetting, or not', () => {
    const T0 = Date.parse('2024-03-01T00:00:00Z');
    // Few ids and times, so that minutes grow past the scanning limit and are searched again and again.
    const op = fc.oneof(
      fc.record({
        kind: fc.constantFrom('add', 'add', 'has', 'has', 'has', 'check'),
        id: fc.integer({ min: 0, max: 40 }).map(String),
        // A few milliseconds per minute, spread over the filter.
        ts: fc
          .record({ minute: fc.integer({ min: 0, max: 2 }), k: fc.integer({ min: 0, max: 30 }) })
          .map(({ minute, k }) => T0 + minute * 60_000 + ((k * 1999) % 60_000)),
      }),
      fc.record({
        kind: fc.constant('forget'),
        id: fc.constant(''),
        ts: fc.integer({ min: 0, max: 5 * 60_000 }).map((ms) => T0 + ms),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 1000 }), (ops) => {
        const ids = new TradeIds();
        const naive = new NaiveIds();
        for (const { kind, id, ts } of ops) {
          if (kind === 'add') {
            // As TradeGate does: an id is added only when not seen.
            if (!ids.has(id, ts)) ids.add(id, ts);
            if (!naive.has(id, ts)) naive.add(id, ts);
          } else if (kind === 'forget') {
            ids.forgetBefore(ts);
            naive.forgetBefore(ts);
          } else if (kind === 'check') {
            // The hot path's questions: maybeSeen() may only say "ask" (true) where has() says seen.
            if (ids.has(id, ts)) expect(ids.maybeSeen(ts)).toBe(true);
          } else {
            expect(ids.has(id, ts)).toBe(naive.has(id, ts));
          }
        }
        expect(ids.size).toBe(naive.size);
      }),
      { numRuns: 200 },
    );
  });

  it('a large minute answers alike while scanned (first searches) and once indexed', () => {
    const minute = Date.parse('2024-03-01T00:00:00Z');
    const ids = new TradeIds();
    for (let k = 0; k < 40; k++) ids.add(`id${k}`, minute + k);
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 40; k++) {
        expect(ids.has(`id${k}`, minute + k)).toBe(true);
        expect(ids.has(`other${k}`, minute + k)).toBe(false);
        expect(ids.has(`id${k}`, minute + 40 + k)).toBe(false);
      }
    }
  });
});
