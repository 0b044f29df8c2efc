import type { EntryAck } from '@tickline/bus';

/** Event times kept per stream at most; beyond, records are counted, not timed (an outage's backlog). */
const DEFAULT_MAX_TRACKED = 200_000;

interface Queue {
  /** Event times in publish order; a negative value `-k` stands for k records published untimed. */
  times: number[];
  head: number;
  /** Timed records in `times` (placeholders excluded). */
  timed: number;
}

/**
 * Event times of published trades per stream, in publish order, matched to acknowledgements by count:
 * the publisher packs a stream's records into entries in order and reports each entry's record count.
 * (An entry re-sent with a new id after a failure may be acknowledged after a later one; the times
 * are then attributed to neighbouring records, a small error confined to failure cases.)
 * Bounded: past `maxTracked` waiting times per stream (Redis down, records spooled), further records
 * only extend a run-length placeholder, so the queue grows by one number per run, not per trade.
 */
export class LatencyTracker {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly observe: (seconds: number) => void,
    private readonly maxTracked = DEFAULT_MAX_TRACKED,
  ) {}

  add(key: string, eventTs: number): void {
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { times: [], head: 0, timed: 0 }));
    if (queue.timed < this.maxTracked) {
      queue.times.push(eventTs);
      queue.timed += 1;
      return;
    }
    const last = queue.times.length - 1;
    if (last >= queue.head && queue.times[last]! < 0) queue.times[last]! -= 1;
    else queue.times.push(-1);
  }

  /** Publisher `onAck`: observes every timed record of the entry if its stream is tracked. */
  onAck(ack: EntryAck): void {
    const queue = this.queues.get(ack.key);
    if (!queue) return;
    let left = ack.count;
    while (left > 0 && queue.head < queue.times.length) {
      const value = queue.times[queue.head]!;
      if (value < 0) {
        const used = Math.min(left, -value);
        left -= used;
        if (used < -value) queue.times[queue.head] = value + used;
        else queue.head += 1;
        continue;
      }
      this.observe((ack.ackedAt - value) / 1000);
      queue.timed -= 1;
      queue.head += 1;
      left -= 1;
    }
    if (queue.head > 4096 && queue.head * 2 > queue.times.length) {
      queue.times = queue.times.slice(queue.head);
      queue.head = 0;
    }
  }
}
