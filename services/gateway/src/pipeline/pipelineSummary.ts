import type { StatusReport } from '@tickline/ops';
import type { BackfillFigures } from '../http/backfillPort';

/** What the dashboard's pipeline panel shows (`GET /v1/pipeline`). */
export interface PipelineSummary {
  readonly at: number;
  /** Trades entries written per second across instruments since the previous reading; null on the first. */
  readonly ingestRatePerSec: number | null;
  /** Entries of the tick streams not yet read by the slowest consumer group, summed over instruments. */
  readonly streamLag: number;
  /** Delivered but unacknowledged tick-stream entries, summed. */
  readonly pending: number;
  /** Feed reconnections seen in the gap stream (gaps caused by a reconnect or a stale feed). */
  readonly reconnects: number;
  readonly gaps: number;
  readonly gapsByCause: Readonly<Record<string, number>>;
  readonly deadLetters: { readonly total: number; readonly bySource: Readonly<Record<string, number>> };
  /**
   * From the backfill service when it is wired in (queued, running and failed requests, rows written over
   * rows expected across running ones); else the requests waiting in `<prefix>:backfill:requests`.
   */
  readonly backfill: BackfillFigures;
  readonly instruments: readonly {
    readonly instrument: string;
    readonly tickEntries: number;
    readonly lag: number;
    readonly lastTickAgeMs: number | null;
    readonly lastFinalBarAgeMs: number | null;
  }[];
  readonly services: readonly { readonly service: string; readonly alive: boolean; readonly ageMs: number }[];
}

/** The previous reading, for rates. */
export interface PreviousReading {
  readonly at: number;
  readonly tickEntries: number;
}

export interface SummaryInput {
  readonly report: StatusReport;
  readonly previous: PreviousReading | undefined;
  readonly gapsByCause: Readonly<Record<string, number>>;
  readonly backfill: BackfillFigures;
}

const RECONNECT_CAUSES = ['reconnect', 'stale'];

/** Pure: the panel's figures from one status report plus what came before. */
export function summarizePipeline({
  report,
  previous,
  gapsByCause,
  backfill,
}: SummaryInput): PipelineSummary {
  const tickEntries = report.instruments.reduce((sum, i) => sum + i.tickEntries, 0);
  const elapsed = previous === undefined ? 0 : (report.at - previous.at) / 1000;
  // A trimmed stream can shrink: a negative difference is no ingest, not a negative rate.
  const ingestRatePerSec =
    previous === undefined || elapsed <= 0 ? null : Math.max(0, tickEntries - previous.tickEntries) / elapsed;
  const laggiest = (groups: StatusReport['instruments'][number]['groups']) =>
    groups.reduce((max, g) => Math.max(max, g.lag ?? 0), 0);
  const bySource = Object.fromEntries(report.deadLetters.map((d) => [d.source, d.entries]));
  return {
    at: report.at,
    ingestRatePerSec,
    streamLag: report.instruments.reduce((sum, i) => sum + laggiest(i.groups), 0),
    pending: report.instruments.reduce((sum, i) => sum + i.groups.reduce((s, g) => s + g.pending, 0), 0),
    reconnects: RECONNECT_CAUSES.reduce((sum, cause) => sum + (gapsByCause[cause] ?? 0), 0),
    gaps: report.gaps.total,
    gapsByCause,
    deadLetters: { total: report.deadLetters.reduce((sum, d) => sum + d.entries, 0), bySource },
    backfill,
    instruments: report.instruments.map((i) => ({
      instrument: i.instrument,
      tickEntries: i.tickEntries,
      lag: laggiest(i.groups),
      lastTickAgeMs: i.lastTickAgeMs ?? null,
      lastFinalBarAgeMs: i.lastFinalBarAgeMs ?? null,
    })),
    services: report.services.map((s) => ({ service: s.service, alive: s.alive, ageMs: s.ageMs })),
  };
}
