import { compareStreamIds, type RedisClient } from '@tickline/bus';
import { BarSchema, DAY_MS, type Bar, type InstrumentRef, type Timeframe } from '@tickline/core';
import type { BarEvent } from './barEvent';
import type { BarStitcher } from './barStitcher';
import { readHistory, type HistorySource } from './historySource';
import { readEnd, readSeam } from './seamScript';
import type { StreamPosition } from './streamCursor';
import { untilDone, type TailEntry, type TailHandlers, type TailOptions } from './streamTail';

/** Hands on the stream's entries after `start` until the subscription ends (followStream on the shared reader). */
export type Follow = (start: StreamPosition, handlers: TailHandlers) => Promise<void>;

/** Everything one `bars()` subscription needs. */
export interface BarsRun {
  /** The client's shared connection for commands that never block (seam, end). */
  readonly redis: RedisClient;
  readonly key: string;
  readonly instrument: InstrumentRef;
  readonly timeframe: Timeframe;
  /** Undefined: live bars only, from the stream's end at subscription. */
  readonly from: number | undefined;
  /** `stream`: no store, the retained stream itself is the history. */
  readonly history: HistorySource | 'stream';
  readonly stitcher: BarStitcher;
  readonly tail: TailOptions;
  readonly follow: Follow;
  readonly next: (event: BarEvent) => void;
  readonly now: () => number;
  /** After a gap, history is re-read from this long before the newest bar delivered. */
  readonly gapLookbackMs: number;
}

// Bars starting after the client's clock plus this are not asked from the store (a clock skew margin).
const HISTORY_AHEAD_MS = DAY_MS;

/**
 * History then live: the stream position is noted before history is read (see readSeam), history is passed
 * through the stitcher, then the stream is tailed from the cursor through the same stitcher, which drops
 * what history already delivered. Entries trimmed before they were read are filled the same way, from the
 * store. Runs until the signal aborts; throws only for a failed history read.
 */
export async function runBars(run: BarsRun): Promise<void> {
  const { redis, key, from } = run;
  const start =
    from === undefined
      ? await untilDone(`reading the end of ${key}`, () => readEnd(redis, key), run.tail)
      : run.history === 'stream'
        ? await untilDone(`reading the start of ${key}`, () => readSeam(redis, key, 'all'), run.tail)
        : await historyThenSeam(run, run.history, from);
  if (start === undefined) return;
  const onEntry = (entry: TailEntry) =>
    entry.records.forEach((record, index) => {
      const bar = checkBar(run, record);
      if (typeof bar !== 'string') offer(run, bar, 'live');
      else
        run.tail.logger.warn('client: bar record skipped', { stream: key, id: entry.id, index, reason: bar });
    });
  await run.follow(start, { onEntry, onGap: (at) => fillGap(run, at) });
}

/** Notes the seam (readSeam), then delivers history from `from`; undefined when aborted meanwhile. */
async function historyThenSeam(
  run: BarsRun,
  history: HistorySource,
  from: number,
): Promise<StreamPosition | undefined> {
  const { redis, key } = run;
  const seam = await untilDone(`reading the seam of ${key}`, () => readSeam(redis, key, 'groups'), run.tail);
  if (seam === undefined) return undefined;
  const to = run.now() + HISTORY_AHEAD_MS;
  const query = { instrument: run.instrument, timeframe: run.timeframe, from, to };
  const bars = await readHistory(history, query, run.tail.secrets);
  for (const bar of bars) {
    if (run.tail.signal.aborted) return undefined;
    offer(run, bar, 'history');
  }
  return seam;
}

/**
 * Entries after `position` were trimmed unread: every group had acknowledged them, so the store holds their
 * bars. History is read again from a lookback before the newest bar delivered (the stitcher drops what was
 * delivered), and the stream goes on from the new seam, or from where it was when that is further on.
 */
async function fillGap(run: BarsRun, position: StreamPosition): Promise<StreamPosition> {
  const details = { stream: run.key, after: position.cursor };
  const { logger } = run.tail;
  if (run.history === 'stream') {
    logger.warn('client: entries trimmed before they were read; no store to fill them from', details);
    return position;
  }
  logger.warn('client: entries trimmed before they were read; filling them from the store', details);
  const newest = run.stitcher.newestStart ?? run.now();
  const seam = await historyThenSeam(run, run.history, Math.max(run.from ?? 0, newest - run.gapLookbackMs));
  return seam !== undefined && compareStreamIds(seam.cursor, position.cursor) > 0 ? seam : position;
}

function offer(run: BarsRun, bar: Bar, origin: BarEvent['origin']): void {
  const event = run.stitcher.offer(bar, origin);
  if (event) run.next(event);
}

/** The record as a Bar of this subscription's instrument and timeframe, or why it is not one. */
export function checkBar(run: Pick<BarsRun, 'instrument' | 'timeframe'>, record: unknown): Bar | string {
  const parsed = BarSchema.safeParse(record);
  if (!parsed.success) return parsed.error.issues.map((issue) => issue.message).join('; ');
  const bar = parsed.data;
  const { venue, symbol } = run.instrument;
  if (bar.venue !== venue || bar.symbol !== symbol || bar.timeframe !== run.timeframe) {
    return `bar of ${bar.venue}:${bar.symbol} ${bar.timeframe} in the stream of ${venue}:${symbol} ${run.timeframe}`;
  }
  return bar;
}
