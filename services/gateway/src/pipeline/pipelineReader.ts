import { decodeAny, recordsOf, streamKeys, type RedisClient } from '@tickline/bus';
import type { TicklineConfig } from '@tickline/config';
import { collectStatus } from '@tickline/ops';
import type { Database } from '@tickline/storage';
import type { BackfillFigures, BackfillPort } from '../http/backfillPort';
import { BACKFILL_REQUESTS_SUFFIX } from '../http/backfillRequest';
import { summarizePipeline, type PipelineSummary, type PreviousReading } from './pipelineSummary';

const GAP_PAGE = 1000;

/**
 * Reads the pipeline summary, at most once per `minIntervalMs` (concurrent dashboard polls share a
 * reading). Gap causes are counted incrementally: each reading reads only the gap entries added since.
 */
export class PipelineReader {
  private previous: PreviousReading | undefined;
  private last: { at: number; summary: Promise<PipelineSummary> } | undefined;
  private gapCursor = '0-0';
  private readonly gapsByCause: Record<string, number> = {};

  constructor(
    private readonly redis: RedisClient,
    private readonly config: TicklineConfig,
    private readonly backfill: BackfillPort | undefined,
    /** The gateway's pool, for the database figures (one pool, not one per reading). */
    private readonly db?: Database,
    private readonly minIntervalMs = 1000,
  ) {}

  read(now = Date.now()): Promise<PipelineSummary> {
    if (this.last === undefined || now - this.last.at >= this.minIntervalMs) {
      const reading = this.collect(now);
      reading.catch(() => {
        if (this.last?.summary === reading) this.last = undefined;
      });
      this.last = { at: now, summary: reading };
    }
    return this.last.summary;
  }

  private async collect(now: number): Promise<PipelineSummary> {
    const [report, backfill] = await Promise.all([
      collectStatus(this.redis, this.config, now, this.db),
      this.backfillFigures(),
      this.countNewGaps(),
    ]);
    const summary = summarizePipeline({
      report,
      previous: this.previous,
      gapsByCause: { ...this.gapsByCause },
      backfill,
    });
    this.previous = { at: report.at, tickEntries: report.instruments.reduce((s, i) => s + i.tickEntries, 0) };
    return summary;
  }

  private async backfillFigures(): Promise<BackfillFigures> {
    if (this.backfill !== undefined) return this.backfill.figures();
    const queued = await this.redis.xlen(`${this.config.prefix}:${BACKFILL_REQUESTS_SUFFIX}`);
    return { queued, running: 0, failed: 0, progress: null };
  }

  private async countNewGaps(): Promise<void> {
    const key = streamKeys(this.config.prefix).gaps();
    for (;;) {
      const rows = await this.redis.xrangeBuffer(key, `(${this.gapCursor}`, '+', 'COUNT', GAP_PAGE);
      for (const [id, fields] of rows) {
        this.gapCursor = id.toString();
        for (let i = 0; i + 1 < fields.length; i += 2) {
          if (fields[i]!.toString() !== 'd') continue;
          for (const gap of recordsOf(decodeAny(fields[i + 1]!)) as { cause?: unknown }[]) {
            const cause = typeof gap.cause === 'string' ? gap.cause : 'unknown';
            this.gapsByCause[cause] = (this.gapsByCause[cause] ?? 0) + 1;
          }
        }
      }
      if (rows.length < GAP_PAGE) return;
    }
  }
}
