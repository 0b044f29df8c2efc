import { compareStreamIds, type RedisClient } from '@tickline/bus';
import type { SharedReader } from './sharedReader';
import type { StreamPosition } from './streamCursor';
import { tailStream, type TailEntry, type TailHandlers, type TailOptions } from './streamTail';

/** Where a follower reads: the stream's shared reader, and a connection for reads that never block. */
export interface FollowSource {
  readonly key: string;
  readonly reader: SharedReader;
  readonly commands: RedisClient;
  /** Entries the shared reader may hand over while the follower catches up; past it they are read again. */
  readonly maxBuffered: number;
}

type Received = { readonly entry: TailEntry } | { readonly gap: StreamPosition };

/**
 * Hands on the entries of `source.key` after `start`, in order, each once, as tailStream would, but without a
 * blocking connection of its own: it catches up with non-blocking reads on the shared command connection,
 * then takes the shared reader's entries. An entry is taken when nothing can lie between the follower's cursor
 * and it (its `after` is at or before the cursor); otherwise the follower catches up again, from its cursor to
 * the stream's end, and drops what it had buffered (read again by the catch-up). Gaps (entries trimmed unread)
 * go to `handlers.onGap` as with tailStream. Runs until the signal aborts.
 */
export async function followStream(
  source: FollowSource,
  start: StreamPosition,
  handlers: TailHandlers,
  options: TailOptions,
): Promise<void> {
  const { signal } = options;
  let received: Received[] = [];
  let behind = true;
  let wake: (() => void) | undefined;
  const push = (item: Received) => {
    if (received.length < source.maxBuffered) received.push(item);
    else [received, behind] = [[], true];
    wake?.();
  };
  const stopListening = source.reader.listen({
    entry: (entry) => push({ entry }),
    gap: (gap) => push({ gap }),
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort, { once: true });
  let position: StreamPosition | undefined = start;
  try {
    while (!signal.aborted) {
      if (behind) {
        received = []; // all of it is read again by the catch-up
        behind = false;
        position = await tailStream(source.commands, source.key, position, handlers, {
          ...options,
          untilEnd: true,
        });
        if (position === undefined || signal.aborted) return;
      }
      const item = received.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const next = await take(item, position, handlers);
      if (next === undefined) behind = true;
      else position = next;
    }
  } finally {
    stopListening();
    signal.removeEventListener('abort', onAbort);
  }
}

/** The position after `item`, or undefined when entries between the follower's cursor and it are unread. */
async function take(
  item: Received,
  position: StreamPosition,
  handlers: TailHandlers,
): Promise<StreamPosition | undefined> {
  if ('gap' in item) {
    // The reader missed entries right after our cursor too: fill them; else the catch-up notices its own gaps.
    if (item.gap.cursor !== position.cursor) {
      return compareStreamIds(item.gap.cursor, position.cursor) > 0 ? undefined : position;
    }
    const filled = await handlers.onGap(position);
    return { cursor: filled.cursor, read: Math.max(filled.read, item.gap.read) };
  }
  const { entry } = item;
  if (compareStreamIds(entry.id, position.cursor) <= 0) return position; // read already
  if (compareStreamIds(entry.after, position.cursor) > 0) return undefined;
  handlers.onEntry(entry);
  return { cursor: entry.id, read: entry.read };
}
