import { readGroupPositions, type RedisClient } from '@tickline/bus';
import { BarSchema, DAY_MS, type Bar, type InstrumentRef, type Timeframe } from '@tickline/core';
import type { BarEvent } from './barEvent';
import type { BarStitcher } from './barStitcher';
import { readHistory, type HistorySource } from './historySource';
import { STREAM_START, seamCursor } from './streamCursor';
import { tailStream, untilDone, type TailOptions } from './streamTail';

/** Everything one `bars()` subscription needs. */
export interface BarsRun {
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
  readonly next: (event: BarEvent) => void;
  readonly now: () => number;
}

// Bars starting after the client's clock plus this are not asked from the store (a clock skew margin).
const HISTORY_AHEAD_MS = DAY_MS;

/** The last entry id of a stream, or the start when it is empty or missing. */
export async function lastEntryId(redis: RedisClient, key: string): Promise<string> {
  const [last] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  return last?.[0] ?? STREAM_START;
}

/**
 * History then live: the stream cursor is noted before history is read (see seamCursor), history is passed
 * through the stitcher, then the stream is tailed from the cursor through the same stitcher, which drops
 * what history already delivered. Runs until the signal aborts; throws only for a failed history read.
 */
export async function runBars(run: BarsRun): Promise<void> {
  const cursor = await startCursor(run);
  if (cursor === undefined) return;
  await tailStream(
    run.redis,
    run.key,
    cursor,
    (entry) => {
      entry.records.forEach((record, index) => {
        const bar = checkBar(run, record);
        if (typeof bar === 'string') {
          run.tail.logger.warn('client: bar record skipped', {
            stream: run.key,
            id: entry.id,
            index,
            reason: bar,
          });
        } else offer(run, bar, 'live');
      });
    },
    run.tail,
  );
}

async function startCursor(run: BarsRun): Promise<string | undefined> {
  const { redis, key, history, from } = run;
  if (from === undefined)
    return untilDone(`reading the end of ${key}`, () => lastEntryId(redis, key), run.tail);
  if (history === 'stream') return STREAM_START;
  const groups = await untilDone(
    `reading the groups of ${key}`,
    () => readGroupPositions(redis, key),
    run.tail,
  );
  if (groups === undefined) return undefined;
  const query = {
    instrument: run.instrument,
    timeframe: run.timeframe,
    from,
    to: run.now() + HISTORY_AHEAD_MS,
  };
  const bars = await readHistory(history, query, run.tail.secrets);
  for (const bar of bars) {
    if (run.tail.signal.aborted) return undefined;
    offer(run, bar, 'history');
  }
  return seamCursor(groups);
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
