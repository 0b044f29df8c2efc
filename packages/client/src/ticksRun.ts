import { TradeSchema, type Trade } from '@tickline/core';
import type { RedisClient } from '@tickline/bus';
import { readEnd, readSeam } from './seamScript';
import type { StreamPosition } from './streamCursor';
import type { Follow } from './barsRun';
import { untilDone, type TailEntry, type TailOptions } from './streamTail';

/**
 * Trades of one tick stream after `afterId` (default: the stream's end at subscription). A record that is
 * not a valid trade is logged and skipped; trades trimmed before they were read (no store keeps ticks) are
 * reported in the log, and the read goes on.
 */
export async function runTicks(
  redis: RedisClient,
  key: string,
  afterId: string | undefined,
  next: (trade: Trade) => void,
  tail: TailOptions,
  follow: Follow,
): Promise<void> {
  const start: StreamPosition | undefined =
    afterId === undefined
      ? await untilDone(`reading the end of ${key}`, () => readEnd(redis, key), tail)
      : await untilDone(`reading ${key}`, () => readSeam(redis, key, { after: afterId }), tail);
  if (start === undefined) return;
  const onEntry = (entry: TailEntry) =>
    entry.records.forEach((record, index) => {
      const trade = TradeSchema.safeParse(record);
      if (trade.success) next(trade.data);
      else {
        const reason = trade.error.issues.map((issue) => issue.message).join('; ');
        tail.logger.warn('client: trade record skipped', { stream: key, id: entry.id, index, reason });
      }
    });
  const onGap = (position: StreamPosition) => {
    const details = { stream: key, after: position.cursor };
    tail.logger.warn('client: ticks trimmed before they were read are missing', details);
    return Promise.resolve(position);
  };
  await follow(start, { onEntry, onGap });
}
