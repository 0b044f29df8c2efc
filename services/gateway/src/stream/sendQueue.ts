/** One frame waiting for a client's socket. */
export interface QueuedFrame {
  /** The frame's JSON text; as a Buffer, UTF-8 encoded once and shared by the clients it goes to. */
  readonly text: string | Buffer;
  /** Set on partial bars: a newer partial of the same key replaces a queued one. */
  readonly partialKey?: string;
}

/** What `push` did: final frames are never dropped; when there is no room for one, it is `overflow`. */
export type PushResult = 'queued' | 'replaced' | 'dropped' | 'overflow';

/**
 * The bounded per-client queue behind the slow-consumer policy: at most `maxFrames` frames. A partial bar
 * replaces the queued partial of the same key, or is dropped when the queue is full; a final frame that
 * finds the queue full is refused (`overflow`) and the caller disconnects the client, telling it why.
 */
export class SendQueue {
  private items: (QueuedFrame | undefined)[] = [];
  private head = 0;
  private readonly partials = new Map<string, number>();

  constructor(readonly maxFrames: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(frame: QueuedFrame): PushResult {
    const key = frame.partialKey;
    if (key !== undefined) {
      const at = this.partials.get(key);
      if (at !== undefined) {
        this.items[at] = frame;
        return 'replaced';
      }
      if (this.length >= this.maxFrames) return 'dropped';
      this.partials.set(key, this.items.length);
    } else if (this.length >= this.maxFrames) {
      return 'overflow';
    }
    this.items.push(frame);
    return 'queued';
  }

  shift(): QueuedFrame | undefined {
    if (this.head === this.items.length) return undefined;
    const index = this.head++;
    const frame = this.items[index]!;
    this.items[index] = undefined;
    if (frame.partialKey !== undefined && this.partials.get(frame.partialKey) === index) {
      this.partials.delete(frame.partialKey);
    }
    if (this.head === this.items.length) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.items.length) this.compact();
    return frame;
  }

  /** Drops the shifted slots so a queue that never empties does not keep them. */
  private compact(): void {
    const offset = this.head;
    this.items = this.items.slice(offset);
    this.head = 0;
    for (const [key, at] of this.partials) this.partials.set(key, at - offset);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.partials.clear();
  }
}
