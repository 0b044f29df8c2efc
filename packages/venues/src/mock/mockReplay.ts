import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { RecordedFrame } from '../recording/recordingFile';

export interface ReplayOptions {
  /** Real time × speed, or as fast as the clients take it. */
  speed: number | 'max';
  /** Wait until some connection has subscribed to something before the first frame [true]. */
  waitForSubscriber?: boolean;
}

/** What a mock venue gives the replay loop. */
export interface ReplayTarget {
  isClosed(): boolean;
  hasSubscriber(): boolean;
  /** Some client's socket holds more than it should (the loop waits at max speed). */
  isCongested(): boolean;
  publishFrame(text: string): unknown;
}

/**
 * Plays recorded frames like a live venue: at real time × speed by their `t`, or as fast as the
 * clients take it (paced by the sockets' buffered amount). Shared by every mock venue.
 */
export async function replayFrames(
  frames: AsyncIterable<RecordedFrame> | Iterable<RecordedFrame>,
  options: ReplayOptions,
  target: ReplayTarget,
): Promise<{ frames: number }> {
  if (options.waitForSubscriber ?? true) {
    while (!target.isClosed() && !target.hasSubscriber()) await sleep(5);
  }
  let first: number | undefined;
  const startedAt = Date.now();
  let count = 0;
  for await (const frame of frames) {
    if (target.isClosed()) break;
    first ??= frame.t;
    count += 1;
    if (options.speed === 'max') {
      if (count % 256 === 0) {
        await yieldToLoop();
        while (!target.isClosed() && target.isCongested()) await sleep(2);
      }
    } else {
      const wait = startedAt + (frame.t - first) / options.speed - Date.now();
      if (wait > 0) await sleep(wait);
    }
    target.publishFrame(frame.frame);
  }
  return { frames: count };
}
