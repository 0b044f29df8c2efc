import fc from 'fast-check';
import type { StatusReport } from '@tickline/ops';
import { summarizePipeline } from '../src/pipeline/pipelineSummary';

function report(at: number, ticks: number[], lags: (number | undefined)[] = []): StatusReport {
  return {
    at,
    prefix: 'tl',
    services: [],
    instruments: ticks.map((tickEntries, i) => ({
      instrument: `binance:S${i}`,
      tickEntries,
      lastTickAgeMs: undefined,
      lastFinalBarAgeMs: 1000,
      groups: [
        { group: 'aggregator', lag: lags[i], pending: 2 },
        { group: 'other', lag: 1, pending: 0 },
      ],
    })),
    gaps: { total: 4, recent: [] },
    deadLetters: [
      { source: 'binance', entries: 3 },
      { source: 'sink', entries: 1 },
    ],
    database: { configured: false, ok: true },
    cache: { configured: true, ok: true },
  };
}

const NO_BACKFILL = { queued: 0, running: 0, failed: 0, progress: null };

test('figures: slowest group lag per instrument summed, reconnect and stale gaps as reconnects, dead letters by source', () => {
  const summary = summarizePipeline({
    report: report(10_000, [100, 50], [7, undefined]),
    previous: { at: 8_000, tickEntries: 110 },
    gapsByCause: { reconnect: 2, stale: 1, sequence: 1 },
    backfill: { queued: 3, running: 1, failed: 0, progress: 0.5 },
  });
  expect(summary).toMatchObject({
    ingestRatePerSec: 20,
    streamLag: 8,
    pending: 4,
    reconnects: 3,
    gaps: 4,
    deadLetters: { total: 4, bySource: { binance: 3, sink: 1 } },
    backfill: { queued: 3, running: 1, failed: 0, progress: 0.5 },
  });
  expect(summary.instruments[1]).toEqual({
    instrument: 'binance:S1',
    tickEntries: 50,
    lag: 1,
    lastTickAgeMs: null,
    lastFinalBarAgeMs: 1000,
  });
});

test('the ingest rate is null on the first reading and never negative (trimmed streams shrink)', () => {
  fc.assert(
    fc.property(
      fc.nat(10_000),
      fc.nat(10_000),
      fc.integer({ min: 1, max: 60_000 }),
      (before, after, elapsed) => {
        const first = summarizePipeline({
          report: report(elapsed, [after]),
          previous: undefined,
          gapsByCause: {},
          backfill: NO_BACKFILL,
        });
        expect(first.ingestRatePerSec).toBeNull();
        const next = summarizePipeline({
          report: report(elapsed, [after]),
          previous: { at: 0, tickEntries: before },
          gapsByCause: {},
          backfill: NO_BACKFILL,
        });
        expect(next.ingestRatePerSec).toBeCloseTo((Math.max(0, after - before) * 1000) / elapsed, 6);
      },
    ),
  );
});
