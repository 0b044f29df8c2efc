import type { EntryAck } from '@tickline/bus';

/**
 * Event times of published trades per stream, in publish order, matched to acknowledgements by count:
 * the publisher packs a stream's records into entries in order and reports each entry's record count.
 * (An entry re-sent with a new id after a failure may be acknowledged after a later one; the times
 * are then attributed to neighbouring records, a small error confined to failure cases.)
 */
export class LatencyTracker {
  private readonly queues = new Map<string, { times: number[]; head: number }>();

  constructor(private readonly observe: (seconds: number) => void) {}

  add(key: string, eventTs: number): void {
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { times: [], head: 0 }));
    queue.times.push(eventTs);
  }

  /** Publisher `onAck`: observes every record of the entry if its stream is tracked. */
  onAck(ack: EntryAck): void {
    const queue = this.queues.get(ack.key);
    if (!queue) return;
    const end = Math.min(queue.head + ack.count, queue.times.length);
    for (let i = queue.head; i < end; i++) this.observe((ack.ackedAt - queue.times[i]!) / 1000);
    queue.head = end;
    if (queue.head > 4096 && queue.head * 2 > queue.times.length) {
      queue.times = queue.times.slice(queue.head);
      queue.head = 0;
    }
  }
}
